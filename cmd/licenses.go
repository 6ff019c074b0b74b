package cmd

import (
	"io"

	"github.com/dashbox/dashbox/notices"
)

const licensesUsage = `Usage: dashbox licenses

Prints the licences and notices of the third-party software compiled into
dashbox: the Go standard library, every Go module, and the browser libraries
it serves (ECharts). The release archives hold the same text as
THIRD_PARTY_NOTICES.txt. dashbox itself is under the Apache License 2.0 (the
LICENSE file in the archive).
`

func runLicenses(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := newFlagSet("licenses", licensesUsage, stdout)
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	text, err := notices.Text()
	if err != nil {
		return err
	}
	_, err = stdout.Write(text)
	return err
}
