package main

import (
	"sync/atomic"

	"github.com/ventanilla-kiosk/ventanilla/console"
	"github.com/ventanilla-kiosk/ventanilla/tui"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

type atomicBool struct{ atomic.Bool }

// flows are the procedures on the home screen.
func flows() map[string]tui.FlowFactory {
	return map[string]tui.FlowFactory{}
}

// wireEnv connects the devices that screens use directly (the camera).
func (k *kiosk) wireEnv(env *kit.Env) {}

// cameraInfo is the camera as the console sees it (nil until wired).
func (k *kiosk) cameraInfo() console.Camera { return nil }
