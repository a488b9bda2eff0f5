package main

import (
	"github.com/ventanilla-kiosk/ventanilla/console"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui"
	"github.com/ventanilla-kiosk/ventanilla/tui/callcentre"
	"github.com/ventanilla-kiosk/ventanilla/tui/fnmt"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// flows are the procedures on the home screen, with the office's
// calendar and FNMT links.
func flows(cal *procedure.Calendar, links procedure.FNMTLinks) map[string]tui.FlowFactory {
	return map[string]tui.FlowFactory{
		kit.FlowFNMT:     fnmt.Factory(fnmt.Options{Links: links, Calendar: cal}),
		kit.FlowClave:    callcentre.NewClave,
		kit.FlowCertCall: callcentre.NewCertificate,
	}
}

// wireEnv connects the devices that screens use directly (the camera).
func (k *kiosk) wireEnv(env *kit.Env) {
	if k.camera != nil {
		env.Camera = k.camera
	}
}

// cameraInfo is the camera as the console sees it; a true nil interface
// when the kiosk has none configured.
func (k *kiosk) cameraInfo() console.Camera {
	if k.camera == nil {
		return nil
	}
	return consoleCamera{k.camera}
}
