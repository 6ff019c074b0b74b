package service

import (
	"fmt"
	"strings"
	"time"

	kservice "github.com/kardianos/service"
)

// unitTemplate is the unit dashbox installs. unitText fills in each @Key@
// in one pass (values are not scanned again), so the text Unit prints is the
// text Install writes: Install hands it to kardianos/service as a
// SystemdScript that holds no template action, which kardianos writes as it
// is (TestUnitMatchesKardianos).
//
// The unit's own comments say why each group of settings is there, since
// `dashbox service unit` prints it for an administrator to review.
const unitTemplate = `# Written by "dashbox service install"; "dashbox service unit" prints it.
# Install again to change it: edits here are overwritten.
[Unit]
Description=@Description@
ConditionFileIsExecutable=@Path@
@Dependencies@# A crash loop gives up after 5 starts in a minute instead of spinning.
StartLimitIntervalSec=60
StartLimitBurst=5

[Service]
# dashbox tells systemd it is ready (sd_notify) once it serves the sockets
# systemd passed, and reports reloads (RELOADING=1 ... READY=1, STATUS=).
Type=notify
NotifyAccess=main
ExecStart=@ExecStart@
# SIGHUP (systemctl reload) reopens the access log (after logrotate) and
# reloads the certificate files and the htpasswd file.
ExecReload=/bin/kill -HUP $MAINPID
Restart=always
# Connections wait in the sockets' backlog meanwhile: restart soon.
RestartSec=500ms
# Covers serve's --shutdown-timeout drain, plus a margin.
TimeoutStopSec=@TimeoutStopSec@
LimitNOFILE=1048576
# Memory: dashbox keeps its heap under a soft limit of 384 MiB by itself
# (set GOMEMLIMIT in a drop-in to change it: systemctl edit dashbox,
# Environment=GOMEMLIMIT=768MiB); past this hard ceiling the kernel ends it,
# and Restart= starts it again. Raise both together.
MemoryMax=@MemoryMax@

# Identity and files: a user allocated by systemd while the service runs,
# owning only its state (certificates, CA) and its logs, both mode 0700.
DynamicUser=yes
StateDirectory=@Name@
StateDirectoryMode=0700
LogsDirectory=@Name@
LogsDirectoryMode=0700
UMask=0077

@Credentials@# Privileges: none. systemd binds the ports (@Sockets@) and passes
# the listening sockets, so the service needs no capability at all.
CapabilityBoundingSet=
NoNewPrivileges=yes

# Sandbox. Not set, because dashbox could not serve with them: PrivateNetwork=
# and IPAddressDeny= (it answers any client and reaches its ACME CA).
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
PrivateIPC=yes
PrivateMounts=yes
PrivateUsers=yes
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

// Unit settings besides the template's literal ones.
const (
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

// dependencies are the unit's [Unit] ordering lines: start once the network
// is up, so ACME has a network; and with the socket units, which hold the
// listeners (socket.go).
func dependencies(sockets []socketUnit) []string {
	deps := []string{"Wants=network-online.target", "After=network-online.target"}
	names := make([]string, len(sockets))
	for i, s := range sockets {
		names[i] = s.name
	}
	return append(deps, "Requires="+strings.Join(names, " "), "After="+strings.Join(names, " "))
}

// Unit returns the systemd unit that Install would write for cfg. It needs no
// privileges and no systemd, so an administrator can review the unit first
// (`dashbox service unit`). It fails, saying what to change, when cfg cannot
// work as a service.
func Unit(cfg Config) (string, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return "", err
	}
	words, creds, err := serveExecArgs(cfg.Serve.Args)
	if err != nil {
		return "", err
	}
	sockets, err := socketUnits(cfg)
	if err != nil {
		return "", err
	}
	return unitText(cfg, cfg.Serve.ShutdownTimeout, words, creds, sockets)
}

// unitText fills in unitTemplate for cfg (defaults applied and validated):
// words are serve's arguments as ExecStart= words, creds the files it loads.
func unitText(cfg Config, shutdownTimeout time.Duration, words []string, creds []credential, sockets []socketUnit) (string, error) {
	stop := (shutdownTimeout + stopMargin + time.Second - 1) / time.Second
	var deps strings.Builder
	var socketNames []string
	for _, d := range dependencies(sockets) {
		deps.WriteString(d + "\n")
	}
	for _, s := range sockets {
		socketNames = append(socketNames, s.name)
	}
	text := strings.NewReplacer(
		"@Description@", cfg.Description,
		"@Path@", cfg.BinaryPath,
		"@Dependencies@", deps.String(),
		"@ExecStart@", strings.Join(append([]string{cfg.BinaryPath, "serve"}, words...), " "),
		"@TimeoutStopSec@", fmt.Sprintf("%ds", stop),
		"@MemoryMax@", memoryMax,
		"@Name@", cfg.Name,
		"@Credentials@", credentialsSection(creds),
		"@Sockets@", strings.Join(socketNames, ", "),
	).Replace(unitTemplate)
	// Install hands the text to kardianos/service as its template: it must
	// hold no template action to be written as it is. Arguments cannot
	// (execWord writes '{' escaped); the description could.
	if strings.Contains(text, "{{") || strings.Contains(text, "}}") {
		return "", fmt.Errorf("service unit: the description %q holds {{ or }}: leave them out", cfg.Description)
	}
	return text, nil
}

// kardianosConfig is the kardianos/service configuration that installs
// unitText: the unit, already written out, is its SystemdScript. Status,
// start and stop need only the name.
func kardianosConfig(cfg Config, unitText string) (*kservice.Config, error) {
	if err := cfg.validateUnit(); err != nil {
		return nil, err
	}
	kc := &kservice.Config{
		Name:        cfg.Name,
		Description: cfg.Description,
		Executable:  cfg.BinaryPath,
	}
	if unitText != "" {
		kc.Option = kservice.KeyValue{"SystemdScript": unitText}
	}
	return kc, nil
}
