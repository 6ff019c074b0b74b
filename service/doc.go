// Package service installs and controls dashbox as a hardened systemd
// service, through github.com/kardianos/service with a custom SystemdScript.
//
// Unit renders the unit without privileges (for review); Install copies the
// running binary to a system path, writes and enables the unit and starts or
// restarts it, so an upgrade is one command; Uninstall removes it all but the
// state; Control starts, stops and restarts; Status reports. Notify is the
// sd_notify half that serve uses to tell systemd it is ready.
//
// The CLI owns serve's flags: it hands over serve as a typed Serve (each
// argument with its kind: plain, the state directory, a log file, a
// directory to read, or a secret file loaded with LoadCredential=; the
// domains, HTTPS address and shutdown timeout the unit derives from). This
// package never parses a serve command line, so 'service install' carries
// every serve flag as serve parsed it.
//
// The service runs with DynamicUser=yes rather than as a system user that
// Install would create. systemd allocates the user while the service runs and
// owns nothing else on the machine with it: there is no account to create
// (no useradd, no clash with an existing "dashbox" user or UID) and none left
// behind by uninstall; the user can write nothing but the state and logs
// directories (DynamicUser implies ProtectSystem=strict, RemoveIPC and
// RestrictSUIDSGID); and systemd fixes the ownership of those directories on
// every start, should the UID change. The cost: the UID is not fixed, and
// the data lives in /var/lib/private/<Name> behind the /var/lib/<Name>
// symbolic link (same for /var/log), which only root can enter.
//
// Every other system than Linux with systemd compiles this package, and gets
// an error saying so from the commands that need systemd.
package service
