package service

import (
	"fmt"
	"strings"
)

// renderScript expands a kardianos/service v1.3.0 service-file template the
// way kardianos/service does when it installs the unit. kardianos/service
// only renders while writing /etc/systemd/system, as root; this renderer lets
// Unit show the same text without either. It covers the syntax the engine
// documents: {{Key}}, {{Key | fn | fn}}, {{if Key}}…{{else}}…{{end}},
// {{range Key}}…{{.}}…{{end}}, with the functions cmd and cmdEscape. The
// whitespace-trimming forms {{- and -}} are refused: the dashbox script does
// not use them. TestUnitMatchesKardianos renders through kardianos/service
// itself and compares.
func renderScript(script string, data map[string]any) (string, error) {
	var b strings.Builder
	rest, end, err := renderNodes(&b, script, data, nil, true)
	if err != nil {
		return "", err
	}
	if end != "" || rest != "" {
		return "", fmt.Errorf("service script: unexpected {{%s}}", end)
	}
	return b.String(), nil
}

// renderNodes renders src up to the next {{end}} or {{else}} (returned as
// end, with the text after it as rest) or to the end of src. When emit is
// false it only parses, for the branch of an if that is not taken. dot is the
// current {{range}} item.
func renderNodes(b *strings.Builder, src string, data map[string]any, dot any, emit bool) (rest, end string, err error) {
	for {
		open := strings.Index(src, "{{")
		if open < 0 {
			if emit {
				b.WriteString(src)
			}
			return "", "", nil
		}
		if emit {
			b.WriteString(src[:open])
		}
		closing := strings.Index(src[open:], "}}")
		if closing < 0 {
			return "", "", fmt.Errorf(`service script: unclosed "{{"`)
		}
		action := src[open+2 : open+closing]
		src = src[open+closing+2:]
		if strings.HasPrefix(action, "-") || strings.HasSuffix(action, "-") {
			return "", "", fmt.Errorf("service script: trim markers in {{%s}} are not supported", action)
		}
		action = strings.TrimSpace(action)
		kw, arg, _ := strings.Cut(action, " ")
		arg = strings.TrimSpace(arg)
		switch kw {
		case "end", "else":
			return src, kw, nil
		case "if":
			take := false
			if emit {
				v, err := lookupKey(data, dot, arg)
				if err != nil {
					return "", "", err
				}
				take = isTruthy(v)
			}
			var stop string
			if src, stop, err = renderNodes(b, src, data, dot, emit && take); err != nil {
				return "", "", err
			}
			if stop == "else" {
				if src, stop, err = renderNodes(b, src, data, dot, emit && !take); err != nil {
					return "", "", err
				}
			}
			if stop != "end" {
				return "", "", fmt.Errorf("service script: {{if %s}} without {{end}}", arg)
			}
		case "range":
			var items []string
			if emit {
				v, err := lookupKey(data, dot, arg)
				if err != nil {
					return "", "", err
				}
				var ok bool
				if items, ok = v.([]string); !ok && v != nil {
					return "", "", fmt.Errorf("service script: %q is not a list", arg)
				}
			}
			// The body is rendered once per item; parse it once without
			// output to find where it ends, also when the list is empty.
			after, stop, err := renderNodes(b, src, data, dot, false)
			if err != nil {
				return "", "", err
			}
			if stop != "end" {
				return "", "", fmt.Errorf("service script: {{range %s}} without {{end}}", arg)
			}
			for _, item := range items {
				if _, _, err := renderNodes(b, src, data, item, emit); err != nil {
					return "", "", err
				}
			}
			src = after
		default:
			if !emit {
				continue
			}
			parts := strings.Split(action, "|")
			v, err := lookupKey(data, dot, strings.TrimSpace(parts[0]))
			if err != nil {
				return "", "", err
			}
			s, ok := v.(string)
			if !ok {
				return "", "", fmt.Errorf("service script: %q is not a string", parts[0])
			}
			for _, fn := range parts[1:] {
				switch strings.TrimSpace(fn) {
				case "cmd":
					s = `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
				case "cmdEscape":
					s = strings.ReplaceAll(s, " ", `\x20`)
				default:
					return "", "", fmt.Errorf("service script: unknown function %q", strings.TrimSpace(fn))
				}
			}
			b.WriteString(s)
		}
	}
}

// lookupKey resolves a template key; "." is the current range item.
func lookupKey(data map[string]any, dot any, key string) (any, error) {
	if key == "." {
		return dot, nil
	}
	v, ok := data[key]
	if !ok {
		return nil, fmt.Errorf("service script: unknown key %q", key)
	}
	return v, nil
}

// isTruthy is the engine's {{if}} test: a non-empty string or list.
func isTruthy(v any) bool {
	switch t := v.(type) {
	case string:
		return t != ""
	case []string:
		return len(t) > 0
	}
	return false
}
