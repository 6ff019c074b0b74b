// Package server owns dashbox's network side: the HTTPS and HTTP listeners, the
// route surface (routes.go), the middleware every response passes through, the
// HTTP-to-HTTPS redirect, and graceful shutdown.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// Timeouts and limits shared by both listeners. They are chosen for dashboards
// on an internal network that may still be reached over a slow VPN link.
const (
	// ReadHeaderTimeout bounds how long a client may take to send its request
	// headers: the main defence against slowloris-style scanners.
	ReadHeaderTimeout = 10 * time.Second
	// ReadTimeout bounds reading a whole request. dashbox requests are small
	// (callbacks carry a few form values), so a minute is generous.
	ReadTimeout = 60 * time.Second
	// WriteTimeout bounds writing a response. It is long enough for a 1 MiB
	// asset to reach a browser at 56 kbit/s (about 150 s), so a slow link never
	// sees a truncated script.
	WriteTimeout = 5 * time.Minute
	// IdleTimeout closes keep-alive connections that have nothing to do.
	IdleTimeout = 2 * time.Minute
	// MaxHeaderBytes caps request headers at 64 KiB (Go's default is 1 MiB);
	// nginx's default cap is 32 KiB.
	MaxHeaderBytes = 64 << 10
	// DefaultShutdownTimeout is how long in-flight requests may take to finish
	// after SIGTERM before connections are closed.
	DefaultShutdownTimeout = 10 * time.Second
)

// Config describes how the bound listeners are served.
type Config struct {
	// TLSConfig supplies certificates (certmagic's GetCertificate), protocol
	// versions, cipher suites and ALPN protocols for the HTTPS listener.
	// Required.
	TLSConfig *tls.Config
	// Handler serves every HTTPS request; build it with NewHandler. Required.
	Handler http.Handler
	// HTTPHandler serves every plain-HTTP request; build it with
	// NewHTTPHandler. Nil means a bare redirect to HTTPS.
	HTTPHandler http.Handler
	// ShutdownTimeout bounds the graceful drain. Zero means
	// DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	// OnTLSHandshake, when not nil, is told of each TLS handshake on the
	// HTTPS listener: the version negotiated and true when it succeeded;
	// version 0 and false when it failed before one was (as net/http
	// reports it: scanners, plain HTTP, clients that refuse the
	// certificate).
	OnTLSHandshake func(version uint16, ok bool)
	// Logger receives events and net/http's own errors. TLS handshake
	// failures, which scanners cause by the thousand, go to debug level.
	Logger *slog.Logger
	// OnServing, when set, is called once both listeners are being served:
	// the moment to tell systemd READY=1.
	OnServing func()
	// MaxConnections caps simultaneous connections on each listener (the
	// HTTPS one and the redirect one have a cap each, so a flood of one
	// cannot starve the other); one client address (an IPv6 /64 counts as
	// one) may hold half of them. Connections past a cap are accepted and
	// reset at once. From 3/4 of the cap on, idle keep-alive connections
	// and connections that have not sent a request are closed after 5
	// seconds (an address's own, from 3/4 of its share on). Zero means
	// DefaultMaxConnections.
	MaxConnections int
	// ProxyProtocol lists the load balancers (addresses or prefixes) whose
	// connections start with a PROXY protocol header (v1 or v2) carrying
	// the client's address, which then is the request's RemoteAddr (access
	// log, allow list, login limiter). A connection from them without a
	// header, or with one from any other address, is closed. Their
	// connections count toward MaxConnections but not per address. Empty
	// means no PROXY protocol: a header is not looked for.
	ProxyProtocol []netip.Prefix
}

// Listeners holds the bound sockets. Listen binds them; Serve serves them
// until its context ends and then drains.
type Listeners struct {
	https net.Listener
	http  net.Listener
	// activated is true when systemd passed the sockets (Activated).
	activated bool
}

// ErrSameAddr is wrapped by Listen's error when the HTTPS and HTTP addresses
// are one and the same port.
var ErrSameAddr = errors.New("the HTTPS and HTTP redirect listeners cannot share an address")

// ErrShutdownTimeout is wrapped by Serve's error when in-flight requests
// outlived Config.ShutdownTimeout and their connections were closed.
var ErrShutdownTimeout = errors.New("graceful shutdown did not finish in time")

// Listen binds the HTTPS listener and, unless httpAddr is empty, the HTTP
// one. It runs before anything else at start-up, so that a port that is taken
// or privileged fails at once with a clear error, before any state is
// written. A listener that fails gives a *ListenError.
func Listen(httpsAddr, httpAddr string) (*Listeners, error) {
	if httpAddr != "" && httpAddr == httpsAddr && portOf(httpsAddr) != 0 {
		return nil, fmt.Errorf("%w: both are %s; give them different ports, or no HTTP address to turn the redirect off", ErrSameAddr, httpsAddr)
	}
	https, err := listen(false, httpsAddr)
	if err != nil {
		return nil, err
	}
	l := &Listeners{https: https}
	if httpAddr != "" {
		if l.http, err = listen(true, httpAddr); err != nil {
			https.Close()
			return nil, err
		}
	}
	return l, nil
}

// HTTPSAddr is the address the HTTPS listener is bound to (with the real port
// when the configured one was 0).
func (l *Listeners) HTTPSAddr() net.Addr { return l.https.Addr() }

// HTTPAddr is the address the redirect listener is bound to, or nil when it is
// turned off.
func (l *Listeners) HTTPAddr() net.Addr {
	if l.http == nil {
		return nil
	}
	return l.http.Addr()
}

// HTTPSPort is the bound HTTPS port, used to build redirect targets.
func (l *Listeners) HTTPSPort() int {
	return l.https.Addr().(*net.TCPAddr).Port
}

// Close closes the listeners; for callers whose start-up fails between Listen
// and Serve. Serve closes them itself.
func (l *Listeners) Close() error {
	err := l.https.Close()
	if l.http != nil {
		err = errors.Join(err, l.http.Close())
	}
	return err
}

// Serve serves both listeners until ctx is done, then shuts down gracefully:
// the listeners close at once, in-flight requests get up to ShutdownTimeout to
// finish, and remaining connections are closed. It returns nil after a clean
// drain, and an error when a listener fails or the drain times out.
func (l *Listeners) Serve(ctx context.Context, cfg Config) error {
	if cfg.TLSConfig == nil || cfg.Handler == nil {
		l.Close()
		return errors.New("server: Config.TLSConfig and Config.Handler are required")
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	errorLog := newErrorLog(logger, cfg.OnTLSHandshake)
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	httpsLimit := newConnLimiter(l.https, "https", cfg.MaxConnections, logger)
	httpsLimit.balancers = cfg.ProxyProtocol
	httpsLn := withProxyProtocol(httpsLimit, cfg.ProxyProtocol, logger)
	if n, ok := openFileLimit(); ok && n < uint64(fdsNeeded(cfg.MaxConnections, l.http != nil)) {
		// Past the limit, accept fails (EMFILE) and net/http retries
		// with pauses: the listener stalls instead of refusing.
		logger.Warn("the open-file limit is below what the connection cap may need: raise it (ulimit -n, LimitNOFILE=) or lower the cap",
			"open_file_limit", n, "max_connections", cfg.MaxConnections, "needed", fdsNeeded(cfg.MaxConnections, l.http != nil))
	}
	httpsSrv := &http.Server{
		Handler:           cfg.Handler,
		TLSConfig:         observeHandshakes(cfg.TLSConfig, cfg.OnTLSHandshake),
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          errorLog,
		ConnState:         httpsLimit.ConnState,
	}
	servers := []*http.Server{httpsSrv}
	limiters := []*connLimiter{httpsLimit}
	errc := make(chan error, 2)
	go func() { errc <- httpsSrv.ServeTLS(httpsLn, "", "") }()
	if l.http != nil {
		h := cfg.HTTPHandler
		if h == nil {
			h = NewRedirectHandler(l.HTTPSPort())
		}
		httpLimit := newConnLimiter(l.http, "http", cfg.MaxConnections, logger)
		httpLimit.balancers = cfg.ProxyProtocol
		httpLn := withProxyProtocol(httpLimit, cfg.ProxyProtocol, logger)
		srv := &http.Server{
			Handler:           h,
			ReadHeaderTimeout: ReadHeaderTimeout,
			ReadTimeout:       ReadTimeout,
			WriteTimeout:      ReadTimeout, // redirects are tiny
			IdleTimeout:       IdleTimeout,
			MaxHeaderBytes:    MaxHeaderBytes,
			ErrorLog:          errorLog,
			ConnState:         httpLimit.ConnState,
		}
		servers = append(servers, srv)
		limiters = append(limiters, httpLimit)
		go func() { errc <- srv.Serve(httpLn) }()
	}
	if cfg.OnServing != nil {
		cfg.OnServing()
	}

	running := len(servers)
	var serveErr error
	select {
	case <-ctx.Done():
	case err := <-errc:
		running--
		serveErr = fmt.Errorf("server stopped: %w", err)
	}

	logger.Info("shutting down: draining in-flight requests", "timeout", cfg.ShutdownTimeout.String())
	// Stop accepting first and let accepted connections send their first
	// request (drain.go); the servers' accept loops end with the listeners.
	began := time.Now()
	stopAccepting(limiters, min(newConnGrace, cfg.ShutdownTimeout/2))
	drainErr := shutdown(servers, cfg.ShutdownTimeout-time.Since(began))
	for ; running > 0; running-- {
		<-errc
	}
	if serveErr != nil {
		return serveErr
	}
	return drainErr
}

// fdsNeeded is the number of file descriptors the connection caps may take
// (one per connection, per listener), plus a reserve for listeners, logs,
// state files and the --static-dir.
func fdsNeeded(maxConns int, redirect bool) int {
	n := maxConns + 64
	if redirect {
		n += maxConns
	}
	return n
}

// shutdown drains all servers concurrently within one deadline, and closes
// what is left when it passes.
func shutdown(servers []*http.Server, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var wg sync.WaitGroup
	failed := make(chan struct{}, len(servers))
	for _, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The drain closed the listeners first (stopAccepting):
			// Shutdown closing them again is no failure.
			if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, net.ErrClosed) {
				srv.Close()
				failed <- struct{}{}
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		return fmt.Errorf("%w: requests were still running after %s and their connections were closed; raise the shutdown timeout to wait longer", ErrShutdownTimeout, timeout)
	}
	return nil
}

// portOf returns the numeric port of a host:port address, for messages.
func portOf(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return -1
	}
	return n
}
