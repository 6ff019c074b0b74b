package service

import "testing"

func TestRenderScript(t *testing.T) {
	data := map[string]any{
		"Name":  "dashbox",
		"Path":  "/opt/my app/dashbox",
		"Empty": "",
		"List":  []string{"a", "b c"},
		"None":  []string(nil),
	}
	tests := []struct {
		name, script, want string
	}{
		{"text", "no actions\n", "no actions\n"},
		{"value", "Name={{Name}}.", "Name=dashbox."},
		{"spaces in action", "{{ Name }}", "dashbox"},
		{"cmdEscape", "{{Path | cmdEscape}}", `/opt/my\x20app/dashbox`},
		{"cmd", "{{Path|cmd}}", `"/opt/my app/dashbox"`},
		{"range", "{{range List}}[{{.}}]{{end}}", "[a][b c]"},
		{"range with pipe", "{{range List}} {{. | cmd}}{{end}}", ` "a" "b c"`},
		{"empty range", "x{{range None}}[{{.}}]{{end}}y", "xy"},
		{"if", "{{if Name}}yes{{end}}", "yes"},
		{"if empty", "{{if Empty}}yes{{end}}", ""},
		{"if else", "{{if Empty}}yes{{else}}no {{Name}}{{end}}", "no dashbox"},
		{"if list", "{{if List}}some{{else}}none{{end}}{{if None}}some{{else}}none{{end}}", "somenone"},
		{"nested", "{{range List}}{{if Name}}<{{.}}>{{end}}{{end}}", "<a><b c>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := renderScript(tt.script, data)
			if err != nil || got != tt.want {
				t.Errorf("renderScript(%q) = %q, %v; want %q", tt.script, got, err, tt.want)
			}
		})
	}
}

func TestRenderScriptErrors(t *testing.T) {
	data := map[string]any{"Name": "dashbox", "List": []string{"a"}}
	for _, script := range []string{
		"{{.Name}}",             // text/template syntax, refused by v1.3.0 too
		"{{Unknown}}",           // unknown key
		"{{Name | upper}}",      // unknown function
		"{{List}}",              // a list where a string goes
		"{{range Name}}{{end}}", // a string where a list goes
		"{{if Name}}open",       // no end
		"{{range List}}open",    // no end
		"{{end}}",               // end without start
		"{{Name",                // unclosed
		"{{- Name}}",            // trim markers, not supported here
	} {
		if got, err := renderScript(script, data); err == nil {
			t.Errorf("renderScript(%q) = %q, want an error", script, got)
		}
	}
}
