// Package metrics exposes the kiosk's health in the Prometheus text format
// on a loopback HTTP port, so that a fleet of kiosks can be watched with
// Prometheus and Alertmanager (see console/ALERTS.md).
//
// It uses its own registry, not prometheus.DefaultRegisterer, so that tests
// can build several and no imported library can add metrics behind our back.
// Every method is safe on a nil *Metrics, so callers that run without
// metrics need no checks.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
)

// Namespace prefixes every metric name.
const Namespace = "ventanilla"

// ErrNotLoopback is returned by Serve for a non-loopback address when
// Options.AllowRemote is false: the endpoint has no authentication.
var ErrNotLoopback = errors.New("metrics: listen address is not loopback")

// Options configure New.
type Options struct {
	Version string
	KioskID string
	// QueueStats is called at every scrape to count outbox jobs by state.
	QueueStats func(ctx context.Context) (map[string]int, error)
	// CameraFPS, when set, is read at every scrape; otherwise SetCameraFPS
	// provides the value.
	CameraFPS func() float64
	// ScrapeTimeout bounds QueueStats (default 2 s) so a busy database
	// cannot hang Prometheus.
	ScrapeTimeout time.Duration
	// AllowRemote lets Serve listen on a non-loopback address (for a VPN
	// interface). Off by default: the endpoint has no authentication.
	AllowRemote bool
	// Logger receives scrape errors; slog.Default() when nil.
	Logger *slog.Logger
}

// Metrics owns the registry and every metric of the kiosk.
type Metrics struct {
	opts Options
	reg  *prometheus.Registry

	deliveryLatency *prometheus.HistogramVec
	delivered       *prometheus.CounterVec
	failures        *prometheus.CounterVec
	modemRegistered prometheus.Gauge
	modemSignal     prometheus.Gauge
	modemChecked    prometheus.Gauge
	cameraFPS       atomic.Uint64 // math.Float64bits
	sessStarted     *prometheus.CounterVec
	sessFinished    *prometheus.CounterVec
	sessAbandoned   *prometheus.CounterVec
	sshLogins       *prometheus.CounterVec
	sshSessions     prometheus.Gauge
	auditFailures   *prometheus.CounterVec
	sshRefused      *prometheus.CounterVec
}

// New builds the registry. It never fails: the metric definitions are fixed.
func New(opts Options) *Metrics {
	if opts.ScrapeTimeout <= 0 {
		opts.ScrapeTimeout = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	m := &Metrics{opts: opts, reg: prometheus.NewRegistry()}
	m.deliveryLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "outbox", Name: "delivery_latency_seconds",
		Help: "Time from enqueue to delivery of an outbox job.",
		// From seconds (online) to a day (a kiosk offline over a weekend).
		Buckets: []float64{0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600},
	}, []string{"kind"})
	m.delivered = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "outbox", Name: "delivered_total",
		Help: "Outbox jobs delivered.",
	}, []string{"kind"})
	m.failures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "outbox", Name: "failures_total",
		Help: "Failed delivery attempts; permanent=\"true\" ones went to the dead letters.",
	}, []string{"kind", "permanent"})
	m.modemRegistered = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "modem", Name: "registered",
		Help: "1 when the modem is registered on a network (home or roaming), else 0.",
	})
	m.modemSignal = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "modem", Name: "signal_dbm",
		Help: "Last modem signal strength in dBm (0 when unknown).",
	})
	m.modemChecked = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "modem", Name: "last_check_timestamp_seconds",
		Help: "Unix time of the last modem status update.",
	})
	m.sessStarted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "visitor", Name: "sessions_started_total",
		Help: "Visitor sessions started, by flow.",
	}, []string{"flow"})
	m.sessFinished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "visitor", Name: "sessions_finished_total",
		Help: "Visitor sessions completed, by flow.",
	}, []string{"flow"})
	m.sessAbandoned = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "visitor", Name: "sessions_abandoned_total",
		Help: "Visitor sessions abandoned (idle reset or cancel), by flow and the step left.",
	}, []string{"flow", "step"})
	m.sshLogins = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "ssh", Name: "logins_total",
		Help: "Technician SSH logins: accepted counts sessions started, rejected counts connections refused after trying to authenticate.",
	}, []string{"result"})
	m.sshSessions = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "ssh", Name: "sessions",
		Help: "Technician SSH sessions open now.",
	})
	m.auditFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "audit", Name: "write_failures_total",
		Help: "Audit records that could not be written, by event; a technician action whose record failed was refused.",
	}, []string{"event"})
	m.sshRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "ssh", Name: "refused_total",
		Help: "SSH connections or sessions refused by a limit, by reason: startups (too many unauthenticated), per_address (too many from one address), grace (no login within the grace time), blocked (too many failed logins), rate (sessions too often).",
	}, []string{"reason"})
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info",
		Help:        "Always 1; labels carry the version and kiosk id.",
		ConstLabels: prometheus.Labels{"version": opts.Version, "kiosk_id": opts.KioskID},
	})
	info.Set(1)
	fps := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "camera", Name: "fps",
		Help: "Frames per second the camera delivers.",
	}, m.readFPS)
	m.reg.MustRegister(m.deliveryLatency, m.delivered, m.failures, m.modemRegistered,
		m.modemSignal, m.modemChecked, m.sessStarted, m.sessFinished, m.sessAbandoned,
		m.sshLogins, m.sshSessions, m.auditFailures, m.sshRefused, info, fps, &queueCollector{m: m},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Pre-create the login series so rate() has a zero to start from.
	m.sshLogins.WithLabelValues("accepted")
	m.sshLogins.WithLabelValues("rejected")
	for _, r := range []string{"startups", "per_address", "grace", "blocked", "rate"} {
		m.sshRefused.WithLabelValues(r)
	}
	return m
}

// Registry returns the registry, for tests and for adding collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// WriteText writes the current metrics in the Prometheus text format (used
// by the console's `metrics` exec command).
func (m *Metrics) WriteText(w interface{ Write([]byte) (int, error) }) error {
	mfs, err := m.reg.Gather()
	if err != nil && len(mfs) == 0 {
		return fmt.Errorf("metrics: gather: %w", err)
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("metrics: encode %s: %w", mf.GetName(), err)
		}
	}
	return nil
}

// JobDelivered records a delivered outbox job; the dispatcher calls it.
func (m *Metrics) JobDelivered(kind string, latency time.Duration) {
	if m == nil {
		return
	}
	m.delivered.WithLabelValues(kind).Inc()
	m.deliveryLatency.WithLabelValues(kind).Observe(latency.Seconds())
}

// JobFailed records a failed attempt; permanent means the job is now dead.
func (m *Metrics) JobFailed(kind string, permanent bool) {
	if m == nil {
		return
	}
	m.failures.WithLabelValues(kind, strconv.FormatBool(permanent)).Inc()
}

// SetModem records the latest modem registration and signal (dBm, 0 when
// unknown). The modem poller and the console's modem check call it.
func (m *Metrics) SetModem(registered bool, signalDBm int) {
	if m == nil {
		return
	}
	if registered {
		m.modemRegistered.Set(1)
	} else {
		m.modemRegistered.Set(0)
	}
	m.modemSignal.Set(float64(signalDBm))
	m.modemChecked.SetToCurrentTime()
}

// SetCameraFPS records the camera frame rate when Options.CameraFPS is nil.
func (m *Metrics) SetCameraFPS(fps float64) {
	if m == nil {
		return
	}
	m.cameraFPS.Store(math.Float64bits(fps))
}

func (m *Metrics) readFPS() float64 {
	if m.opts.CameraFPS != nil {
		return m.opts.CameraFPS()
	}
	return math.Float64frombits(m.cameraFPS.Load())
}

// SessionStarted counts a visitor session started in flow ("fnmt", "clave", …).
func (m *Metrics) SessionStarted(flow string) {
	if m == nil {
		return
	}
	m.sessStarted.WithLabelValues(flow).Inc()
}

// SessionFinished counts a visitor session that reached its last step.
func (m *Metrics) SessionFinished(flow string) {
	if m == nil {
		return
	}
	m.sessFinished.WithLabelValues(flow).Inc()
}

// SessionAbandoned counts a visitor session reset at step (a step name such
// as "2-request", never visitor data: label values are kept forever).
func (m *Metrics) SessionAbandoned(flow, step string) {
	if m == nil {
		return
	}
	m.sessAbandoned.WithLabelValues(flow, step).Inc()
}

// SSHLogin counts a technician authentication result.
func (m *Metrics) SSHLogin(accepted bool) {
	if m == nil {
		return
	}
	if accepted {
		m.sshLogins.WithLabelValues("accepted").Inc()
	} else {
		m.sshLogins.WithLabelValues("rejected").Inc()
	}
}

// AuditFailed counts an audit record that could not be written. event is
// a name from the code ("ssh.maintenance"), never data.
func (m *Metrics) AuditFailed(event string) {
	if m != nil {
		m.auditFailures.WithLabelValues(event).Inc()
	}
}

// SSHRefused counts a connection or session refused by one of the SSH
// limits; reason is one of the names in the metric's help.
func (m *Metrics) SSHRefused(reason string) {
	if m != nil {
		m.sshRefused.WithLabelValues(reason).Inc()
	}
}

// SSHSessionOpened and SSHSessionClosed track open technician sessions.
func (m *Metrics) SSHSessionOpened() {
	if m != nil {
		m.sshSessions.Inc()
	}
}

// SSHSessionClosed is the pair of SSHSessionOpened.
func (m *Metrics) SSHSessionClosed() {
	if m != nil {
		m.sshSessions.Dec()
	}
}

// queueCollector reads the outbox counts at scrape time, so the numbers are
// never stale and the dispatcher needs no hooks for them.
type queueCollector struct{ m *Metrics }

var (
	jobsDesc = prometheus.NewDesc(Namespace+"_outbox_jobs",
		"Outbox jobs by state, read from the store at scrape time.", []string{"state"}, nil)
	upDesc = prometheus.NewDesc(Namespace+"_outbox_up",
		"1 when the last scrape could read the outbox counts, else 0.", nil, nil)
)

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- upDesc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	if c.m.opts.QueueStats == nil {
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 0)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.m.opts.ScrapeTimeout)
	defer cancel()
	stats, err := c.m.opts.QueueStats(ctx)
	if err != nil {
		c.m.opts.Logger.Warn("metrics: read outbox stats", "err", err)
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 1)
	// Always expose "dead" so "dead > 0" alerts see a 0, not an absent series.
	if _, ok := stats["dead"]; !ok {
		stats["dead"] = 0
	}
	states := make([]string, 0, len(stats))
	for s := range stats {
		states = append(states, s)
	}
	sort.Strings(states)
	for _, s := range states {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(stats[s]), s)
	}
}

// HTTPServer is the running metrics endpoint.
type HTTPServer struct {
	srv *http.Server
	ln  net.Listener
}

// Serve listens on addr (e.g. "127.0.0.1:9464") and serves /metrics in the
// background until Shutdown or Close.
func (m *Metrics) Serve(addr string) (*HTTPServer, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen address %q: %w", addr, err)
	}
	if !m.opts.AllowRemote && !isLoopback(host) {
		return nil, fmt.Errorf("%w: %q (use 127.0.0.1 or set AllowRemote)", ErrNotLoopback, addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ventanilla metrics: see /metrics\n"))
	})
	s := &HTTPServer{ln: ln, srv: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      30 * time.Second,
	}}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.opts.Logger.Error("metrics: serve", "err", err)
		}
	}()
	return s, nil
}

// Addr is the address actually listened on (useful with port 0).
func (s *HTTPServer) Addr() string { return s.ln.Addr().String() }

// Shutdown stops accepting scrapes and waits for running ones.
func (s *HTTPServer) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Close stops the endpoint at once.
func (s *HTTPServer) Close() error { return s.srv.Close() }

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
