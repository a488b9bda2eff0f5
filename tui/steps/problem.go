package steps

import (
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// ProblemText translates a validation error from procedure into the
// visitor's language. Errors that are not a *procedure.Problem (which
// should not reach a visitor) read as a generic "please check" line rather
// than an English technical message.
func ProblemText(env *kit.Env, err error) string {
	if err == nil {
		return ""
	}
	p, ok := procedure.AsProblem(err)
	if !ok {
		return env.T.T("steps.common.check_value")
	}
	return MessageText(env, p.Message())
}

// MessageText translates a procedure.Message: its Args become template
// arguments. Args whose name ends in "Key" are catalogue keys themselves
// (a weekday, a month); they are translated and passed under the name
// without the suffix, as procedure documents.
func MessageText(env *kit.Env, m procedure.Message) string {
	args := make([]any, 0, 2*len(m.Args))
	for k, v := range m.Args {
		if s, ok := v.(string); ok && len(k) > 3 && k[len(k)-3:] == "Key" && s != "" {
			args = append(args, k[:len(k)-3], env.T.T(s))
			continue
		}
		if _, translated := m.Args[k+"Key"]; translated {
			continue
		}
		args = append(args, k, v)
	}
	return env.T.T(m.Key, args...)
}
