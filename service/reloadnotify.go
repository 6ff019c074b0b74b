package service

import (
	"strconv"
	"strings"
)

// Reloading is the sd_notify message to send when a reload begins:
// RELOADING=1 with MONOTONIC_USEC= (the time of the request on
// CLOCK_MONOTONIC, which Type=notify-reload on systemd 253 and later
// requires, and older ones ignore). Send Reloaded's message when it is done.
func Reloading() string {
	msg := "RELOADING=1"
	if usec, ok := monotonicUsec(); ok {
		msg += "\nMONOTONIC_USEC=" + strconv.FormatInt(usec, 10)
	}
	return msg
}

// Reloaded is the sd_notify message that ends a reload: READY=1 with a
// STATUS= line that `systemctl status` shows, saying what failed (err not
// nil: the service keeps serving with what it had) or that all went well.
func Reloaded(err error) string {
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), "\n", "; ")
		return "READY=1\nSTATUS=reload failed: " + msg + " (still serving with what was loaded before)"
	}
	return "READY=1\nSTATUS=reloaded"
}
