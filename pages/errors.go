package pages

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Error codes. Each maps to one HTTP status in errorStatus, the only place
// that decides what a caller sees.
const (
	// EINVALID: the request's inputs are wrong; the message says how to fix
	// them (400).
	EINVALID = "invalid"
	// ETOOLARGE: the request, one of its values, or the answer it asks for
	// is larger than a callback takes; the message says which and the limit
	// (413).
	ETOOLARGE = "too_large"
	// ENOTFOUND: no such dashboard or callback (404).
	ENOTFOUND = "not_found"
	// EINTERNAL: a bug in dashbox. Callers see a generic message; the details
	// go to the log (500).
	EINTERNAL = "internal"
)

var errorStatus = map[string]int{
	EINVALID:  http.StatusBadRequest,
	ETOOLARGE: http.StatusRequestEntityTooLarge,
	ENOTFOUND: http.StatusNotFound,
	EINTERNAL: http.StatusInternalServerError,
}

// Error is an error a callback reports to the browser: a code from the list
// above and a one-line message for the user.
type Error struct {
	// Code is one of EINVALID, ETOOLARGE, ENOTFOUND, EINTERNAL.
	Code string
	// Message is shown to the user as it is: one line, saying what to do.
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err's *Error, or EINTERNAL for any other
// error: errors dashbox did not describe for users are bugs.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of err's *Error; other errors get a
// generic message so internals never reach the browser.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error: the server could not compute this; the details are in its log."
}

// writeError answers a callback request with err as {"error": "..."} and the
// status of its code. Internal errors are logged.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	code := ErrorCode(err)
	if code == EINTERNAL {
		logger.Error("callback failed", "path", r.URL.Path, "err", err)
	}
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{ErrorMessage(err)})
	writeJSON(w, r, errorStatus[code], body)
}

// writeJSON writes a JSON body that must never be cached: callback outputs
// depend on the request.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
