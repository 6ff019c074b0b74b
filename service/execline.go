package service

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// execWord writes one argument of the command line so that systemd hands it to
// dashbox unchanged. systemd does not pass ExecStart= words through verbatim:
// it expands "%x" specifiers and "$VAR" environment variables, splits on
// whitespace and interprets C-style backslash escapes and quotes. Arguments
// made only of plain characters stay bare (so the unit reads like a command
// line); anything else is double-quoted.
func execWord(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("argument %q is not valid UTF-8", s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("argument %q holds a control character: a unit's command line cannot carry it", s)
		}
	}
	if s == ";" {
		// A lone semicolon separates commands on an Exec line.
		return "", fmt.Errorf("argument %q cannot be written on a unit's command line", s)
	}
	escaped := strings.NewReplacer("%", "%%", "$", "$$").Replace(s)
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !isPlainRune(r) }) < 0 {
		return escaped, nil
	}
	// Braces are written as \x escapes, which systemd decodes: the unit
	// text goes through kardianos/service's template engine, which would
	// read "{{" as an action.
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "{", `\x7b`, "}", `\x7d`).Replace(escaped) + `"`, nil
}

// isPlainRune reports whether r may appear in a bare ExecStart= word.
func isPlainRune(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	}
	return strings.ContainsRune("_-+=.,:/@[]%$", r)
}

// splitExecLine is the inverse of execWord for a whole ExecStart= value: it
// splits the words back into the argv that systemd runs. It understands the
// forms dashbox and kardianos/service write (bare words, double quotes,
// backslash escapes including \xHH, doubled % and $), which is what reading
// an installed unit back needs.
func splitExecLine(line string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\':
			if i+1 >= len(line) {
				return nil, fmt.Errorf("command line %q ends in a backslash", line)
			}
			n, err := unescape(line[i+1:], &word)
			if err != nil {
				return nil, fmt.Errorf("command line %q: %v", line, err)
			}
			i += n
			inWord = true
		case c == '"':
			quoted = !quoted
			inWord = true
		case !quoted && (c == ' ' || c == '\t'):
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		case (c == '%' || c == '$') && i+1 < len(line) && line[i+1] == c:
			word.WriteByte(c)
			i++
			inWord = true
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("command line %q has an unterminated quote", line)
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// unescape decodes the escape sequence at the start of s (just after the
// backslash) into w and reports how many bytes of s it used.
func unescape(s string, w *strings.Builder) (int, error) {
	switch s[0] {
	case '\\', '"', '\'', ' ':
		w.WriteByte(s[0])
		return 1, nil
	case 'n':
		w.WriteByte('\n')
		return 1, nil
	case 't':
		w.WriteByte('\t')
		return 1, nil
	case 'x':
		if len(s) < 3 {
			return 0, fmt.Errorf("short \\x escape")
		}
		b, err := strconv.ParseUint(s[1:3], 16, 8)
		if err != nil {
			return 0, fmt.Errorf("bad \\x escape %q", s[:3])
		}
		w.WriteByte(byte(b))
		return 3, nil
	}
	return 0, fmt.Errorf("unsupported escape \\%c", s[0])
}
