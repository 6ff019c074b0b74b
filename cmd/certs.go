package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	dashtls "github.com/dashbox/dashbox/tls"
)

const certsUsage = `Usage: dashbox certs [flags]

Prints every name dashbox serves with the issuer of its certificate, when it
expires, and the last error getting or renewing it, as the running (or last)
'dashbox serve' recorded them in the state directory. Let's Encrypt no longer
e-mails before a certificate expires: check here, or in the log. It only
reads the state directory: no network, no change.

  sudo dashbox certs --state-dir /var/lib/dashbox

With --storage, it lists the certificates a cluster shares instead, read from
the storage (serial numbers included, to compare with what clients see):

  dashbox certs --storage 'postgres://dashbox@db.example.net/dashbox'

Flags (each also read from DASHBOX_<NAME>; flags win):
`

func runCerts(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var stateDir string
	var asJSON bool
	var sf storageFlags
	fs := newFlagSet("certs", certsUsage, stdout)
	sf.define(fs, "storage", storageReadUsage)
	fs.StringVar(&stateDir, "state-dir", defaultStateDir(getenv), "`directory` given to serve as --state-dir")
	fs.BoolVar(&asJSON, "json", false, "print the state as JSON, for monitoring scripts")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if err := sf.validate("storage"); err != nil {
		return err
	}
	if sf.url != "" {
		return runCertsStorage(ctx, sf, asJSON, stdout, stderr)
	}
	if stateDir == "" {
		return usageError{"no state directory: set --state-dir"}
	}
	report, err := dashtls.ReadStatus(stateDir)
	if errors.Is(err, dashtls.ErrNoStatus) {
		return fmt.Errorf("no certificate state in %s: start 'dashbox serve --state-dir %s' first, or give the --state-dir it runs with", stateDir, stateDir)
	}
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	return printCerts(stdout, report, time.Now())
}

// printCerts writes the report as a table, one name a line.
func printCerts(w io.Writer, r *dashtls.StatusReport, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tISSUER\tEXPIRES\tLAST ERROR")
	for _, c := range r.Certificates {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Issuer, expiryText(c.NotAfter, now), errorText(c, now))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nrecorded %s by dashbox serve (pid %d)\n", r.Updated.UTC().Format(time.DateTime+" MST"), r.PID)
	return err
}

func expiryText(notAfter, now time.Time) string {
	if notAfter.IsZero() {
		return "none yet"
	}
	at := notAfter.UTC().Format("2006-01-02 15:04 MST")
	left := notAfter.Sub(now)
	if left <= 0 {
		return at + " (EXPIRED)"
	}
	return fmt.Sprintf("%s (in %s)", at, roughDuration(left))
}

func errorText(c dashtls.CertStatus, now time.Time) string {
	if c.Error == "" {
		return "-"
	}
	var b strings.Builder
	b.WriteString(c.ErrorAt.UTC().Format("2006-01-02 15:04 MST"))
	b.WriteString(": ")
	b.WriteString(c.Error)
	if !c.NextAttempt.IsZero() && c.NextAttempt.After(now) {
		fmt.Fprintf(&b, " (next attempt in %s)", roughDuration(c.NextAttempt.Sub(now)))
	}
	return b.String()
}

// roughDuration is a duration the way people say it: "89 days", "5 hours",
// "3 minutes".
func roughDuration(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d >= 48*time.Hour:
		return plural(int(d/(24*time.Hour)), "day")
	case d >= 2*time.Hour:
		return plural(int(d/time.Hour), "hour")
	case d >= time.Minute:
		return plural(int(d/time.Minute), "minute")
	}
	return plural(int(d/time.Second), "second")
}
