package service

import (
	"fmt"
	"strings"
	"time"

	kservice "github.com/kardianos/service"
)

// systemdScript is the unit dashbox installs, as a kardianos/service v1.3.0
// SystemdScript: {{Key}} values are filled in by kardianos/service from its
// Config (Description, Path, Arguments, Dependencies, Name) and Options
// (ReloadSignal, Restart, LimitNOFILE). @TimeoutStopSec@, @MemoryMax@ and
// @Credentials@ are not kardianos keys; systemdScriptFor replaces them
// before kardianos sees the script.
//
// The unit's own comments say why each group of settings is there, since
// `dashbox service unit` prints it for an administrator to review.
const systemdScript = `# Written by "dashbox service install"; "dashbox service unit" prints it.
# Install again to change it: edits here are overwritten.
[Unit]
Description={{Description}}
ConditionFileIsExecutable={{Path | cmdEscape}}
{{range Dependencies}}{{.}}
{{end}}# A crash loop gives up after 5 starts in a minute instead of spinning.
StartLimitIntervalSec=60
StartLimitBurst=5

[Service]
# dashbox tells systemd it is ready (sd_notify) once both listeners are bound.
Type=notify
NotifyAccess=main
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{.}}{{end}}
# SIGHUP reopens the access log (after logrotate).
ExecReload=/bin/kill -{{ReloadSignal}} $MAINPID
Restart={{Restart}}
RestartSec=2
# Covers serve's --shutdown-timeout drain, plus a margin.
TimeoutStopSec=@TimeoutStopSec@
LimitNOFILE={{LimitNOFILE}}
# Memory: dashbox keeps its heap under a soft limit of 384 MiB by itself
# (set GOMEMLIMIT in a drop-in to change it: systemctl edit dashbox,
# Environment=GOMEMLIMIT=768MiB); past this hard ceiling the kernel ends it,
# and Restart= starts it again. Raise both together.
MemoryMax=@MemoryMax@

# Identity and files: a user allocated by systemd while the service runs,
# owning only its state (certificates, CA) and its logs, both mode 0700.
DynamicUser=yes
StateDirectory={{Name}}
StateDirectoryMode=0700
LogsDirectory={{Name}}
LogsDirectoryMode=0700
UMask=0077

@Credentials@# Privileges: binding ports 80 and 443 is the only capability it gets.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes

# Sandbox. Not set, because dashbox could not serve with them: PrivateNetwork=
# and IPAddressDeny= (it answers any client), PrivateUsers= (it would lose the
# right to bind ports below 1024).
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
PrivateIPC=yes
PrivateMounts=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
ProcSubset=pid
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
RemoveIPC=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
KeyringMode=private
DevicePolicy=closed
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target
`

// Unit settings passed to kardianos/service as options.
const (
	// reloadSignal is what serve reopens its access log on.
	reloadSignal = "HUP"
	// limitNOFILE lets one process hold many connections; it is a ceiling,
	// not memory spent up front.
	limitNOFILE = 1048576
	// stopMargin is added to serve's shutdown timeout for TimeoutStopSec=,
	// for closing logs and listeners after the drain.
	stopMargin = 5 * time.Second
	// memoryMax is the unit's MemoryMax=: the hard ceiling above serve's
	// default soft limit (384 MiB, which the Go runtime's collector works to
	// stay under), with room for what the runtime does not count: the
	// binary's own pages and the kernel's socket buffers, charged to the
	// service's cgroup.
	memoryMax = "512M"
)

// dependencies are the [Unit] lines passed as kardianos Config.Dependencies:
// start once the network is up, so listeners on specific addresses and ACME
// have a network.
var dependencies = []string{"Wants=network-online.target", "After=network-online.target"}

// Unit returns the systemd unit that Install would write for cfg. It needs no
// privileges and no systemd, so an administrator can review the unit first
// (`dashbox service unit`). It fails, saying what to change, when cfg cannot
// work as a service.
func Unit(cfg Config) (string, error) {
	kc, err := kardianosConfig(cfg.withDefaults())
	if err != nil {
		return "", err
	}
	return renderScript(kc.Option["SystemdScript"].(string), scriptData(kc))
}

// kardianosConfig is the kardianos/service configuration for cfg (defaults
// applied): Install hands it to kardianos/service, and Unit renders the same
// script with the same values.
func kardianosConfig(cfg Config) (*kservice.Config, error) {
	flags, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	words, creds, err := serveExecArgs(cfg.ServeArgs)
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve"}, words...)
	return &kservice.Config{
		Name:         cfg.Name,
		Description:  cfg.Description,
		Executable:   cfg.BinaryPath,
		Arguments:    args,
		Dependencies: dependencies,
		Option: kservice.KeyValue{
			"SystemdScript": systemdScriptFor(flags.shutdownTimeout, creds),
			"ReloadSignal":  reloadSignal,
			"Restart":       "always",
			"LimitNOFILE":   limitNOFILE,
		},
	}, nil
}

// systemdScriptFor fills in the settings of systemdScript that kardianos has
// no key for: the stop timeout, the memory ceiling, and the files loaded as
// credentials.
func systemdScriptFor(shutdownTimeout time.Duration, creds []credential) string {
	stop := (shutdownTimeout + stopMargin + time.Second - 1) / time.Second
	script := strings.Replace(systemdScript, "@TimeoutStopSec@", fmt.Sprintf("%ds", stop), 1)
	script = strings.Replace(script, "@MemoryMax@", memoryMax, 1)
	return strings.Replace(script, "@Credentials@", credentialsSection(creds), 1)
}

// scriptData is the value map kardianos/service v1.3.0 builds in
// (*systemd).Install for a system (not user) unit with LogOutput off, so that
// Unit renders exactly what Install writes.
func scriptData(kc *kservice.Config) map[string]any {
	limit := ""
	if n, ok := kc.Option["LimitNOFILE"].(int); ok && n > -1 {
		limit = fmt.Sprint(n)
	}
	str := func(key string) string { s, _ := kc.Option[key].(string); return s }
	return map[string]any{
		"Description":       kc.Description,
		"Path":              kc.Executable,
		"Name":              kc.Name,
		"Dependencies":      kc.Dependencies,
		"Arguments":         kc.Arguments,
		"ChRoot":            kc.ChRoot,
		"WorkingDirectory":  kc.WorkingDirectory,
		"UserName":          kc.UserName,
		"ReloadSignal":      str("ReloadSignal"),
		"PIDFile":           str("PIDFile"),
		"LogDirectory":      "/var/log",
		"OutputFileSupport": "",
		"LimitNOFILE":       limit,
		"Restart":           str("Restart"),
		"SuccessExitStatus": str("SuccessExitStatus"),
		"EnvVars":           []string(nil),
	}
}
