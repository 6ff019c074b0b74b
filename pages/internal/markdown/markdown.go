// Package markdown renders the Markdown of dashbox's pages as HTML: once,
// when the pages are generated (go generate ./pages/...), so that goldmark is
// not part of the dashbox binary, which embeds the HTML.
package markdown

import (
	"bytes"

	"github.com/yuin/goldmark"
)

// ToHTML renders CommonMark source as HTML, with goldmark's defaults: no
// extensions, and raw HTML in the source left out.
func ToHTML(src []byte) ([]byte, error) {
	var html bytes.Buffer
	if err := goldmark.Convert(src, &html); err != nil {
		return nil, err
	}
	return html.Bytes(), nil
}
