package index

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of the team source.
const (
	// DefaultTeamTimeout bounds connecting (TCP, TLS, the server's greeting) and each
	// request to the bucket.
	DefaultTeamTimeout = 2 * time.Second
	// teamBackoffMin and teamBackoffMax bound the wait between two failed sessions.
	teamBackoffMin = 500 * time.Millisecond
	teamBackoffMax = 60 * time.Second
	// teamBatch is how many queued entries one live change applies at most.
	teamBatch = 256
)

// Errors of a team session.
var (
	errTeamClosed        = errors.New("connection to the team server closed")
	errTeamBucketDeleted = errors.New("the bucket was deleted")
	errTeamWatchEnded    = errors.New("the bucket's watch ended")
	// errTeamNewLeader ends a session to start another at once: the bucket's stream has
	// a new leader (a node of the cluster went away), and the watch's consumer may have
	// gone with the old one, which its heartbeats would notice only seconds later.
	errTeamNewLeader = errors.New("the bucket's stream has a new leader")
)

// startTeam starts the live team source of a server (Options.Serve): it never blocks
// Open, and runs until Close.
func (ix *Index) startTeam() {
	if ix.team == nil || !ix.team.cfg.Enabled() {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	ix.team.stop = cancel
	ix.bg.Add(1)
	go func() {
		defer ix.bg.Done()
		ix.runTeam(ctx)
	}()
}

// runTeam keeps a session with the bucket, starting a new one after a failure with an
// exponential backoff: a team server that is down costs a connection attempt a minute
// at most, and one log line per change of state.
func (ix *Index) runTeam(ctx context.Context) {
	b := backoff{min: ix.opt.teamBackoff, max: teamBackoffMax}
	if b.min <= 0 {
		b.min = teamBackoffMin
	}
	for {
		wasLive := false
		err := ix.teamSession(ctx, false, func(ch Change) {
			wasLive = true
			if !ch.Empty() && ix.opt.OnChange != nil {
				ix.opt.OnChange(ch)
			}
		})
		if ctx.Err() != nil {
			return
		}
		if wasLive {
			b.reset()
		}
		wait := b.min
		if !errors.Is(err, errTeamNewLeader) {
			ix.setTeamState(classifyTeamErr(err), err)
			wait = b.next()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// backoff doubles a wait from min up to max, with ±20 % jitter so that many clients
// of one server that went down do not come back in step.
type backoff struct {
	min, max, cur time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(b.cur*2, b.max)
	}
	j := time.Duration(float64(b.cur) * (0.8 + 0.4*rand.Float64()))
	return min(j, b.max)
}

func (b *backoff) reset() { b.cur = 0 }

// classifyTeamErr names the state a failed session leaves the source in.
func classifyTeamErr(err error) TeamState {
	msg := ""
	if err != nil {
		msg = strings.ToLower(err.Error())
	}
	switch {
	case err == nil:
		return TeamOffline
	case errors.Is(err, nats.ErrAuthorization), errors.Is(err, nats.ErrAuthExpired), errors.Is(err, nats.ErrAuthRevoked),
		strings.Contains(msg, "authorization"), strings.Contains(msg, "authentication"), strings.Contains(msg, "permissions violation"):
		return TeamUnauthorized
	case errors.Is(err, jetstream.ErrBucketNotFound), errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, errTeamBucketDeleted):
		return TeamNoBucket
	case errors.Is(err, nats.ErrNoServers), errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, errTeamClosed), errors.Is(err, errTeamWatchEnded), errors.Is(err, nats.ErrConnectionClosed),
		errors.Is(err, jetstream.ErrNoHeartbeat):
		return TeamOffline
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return TeamOffline
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return TeamOffline
	}
	return TeamFailed
}

// TeamConnect opens a connection to the team server: no automatic reconnect (the
// source's own loop resumes from its revision), a bounded greeting, credentials from a
// .creds or nkey seed file, TLS when configured. Closing ctx aborts a connection
// attempt under way. The caller closes the connection.
func TeamConnect(ctx context.Context, cfg TeamConfig, timeout time.Duration, extra ...nats.Option) (*nats.Conn, error) {
	if timeout <= 0 {
		timeout = DefaultTeamTimeout
	}
	opts := []nats.Option{
		nats.Name("airules"),
		nats.Timeout(timeout),
		nats.NoReconnect(),
		nats.PingInterval(20 * time.Second),
		nats.MaxPingsOutstanding(3),
		nats.SetCustomDialer(&ctxDialer{ctx: ctx, timeout: timeout}),
		// The default handler prints to stderr; the source reports through its state.
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}),
	}
	if cfg.Creds != "" {
		o, err := credsOption(cfg.Creds)
		if err != nil {
			return nil, err
		}
		opts = append(opts, o)
	}
	if cfg.TLS != (TeamTLS{}) {
		opts = append(opts, nats.Secure())
	}
	if cfg.TLS.CA != "" {
		opts = append(opts, nats.RootCAs(cfg.TLS.CA))
	}
	if cfg.TLS.Cert != "" || cfg.TLS.Key != "" {
		opts = append(opts, nats.ClientCert(cfg.TLS.Cert, cfg.TLS.Key))
	}
	opts = append(opts, extra...)
	nc, err := nats.Connect(strings.TrimSpace(cfg.URL), opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", redactURLs(cfg.URL), err)
	}
	return nc, nil
}

// credsOption reads which kind of credentials file path is: a .creds file holds a user
// JWT block, a seed file only the seed. The file is read to decide, never logged.
func credsOption(path string) (nats.Option, error) {
	data, err := readSmallRegular(path, 64<<10)
	if err != nil {
		return nil, fmt.Errorf("team credentials: %w", err)
	}
	if strings.Contains(string(data), "BEGIN NATS USER JWT") {
		return nats.UserCredentials(path), nil
	}
	o, err := nats.NkeyOptionFromSeed(path)
	if err != nil {
		return nil, fmt.Errorf("team credentials %s: not a .creds or nkey seed file", path)
	}
	return o, nil
}

// ctxDialer dials with a timeout and closes the connection when ctx ends, so that a
// server that accepts and never speaks cannot hold Close.
type ctxDialer struct {
	ctx     context.Context
	timeout time.Duration
}

func (d *ctxDialer) Dial(network, address string) (net.Conn, error) {
	nd := net.Dialer{Timeout: d.timeout}
	c, err := nd.DialContext(d.ctx, network, address)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(d.ctx, func() { _ = c.Close() })
	return &stopConn{Conn: c, stop: stop}, nil
}

// stopConn releases the AfterFunc when the connection closes first.
type stopConn struct {
	net.Conn
	stop func() bool
	once sync.Once
}

func (c *stopConn) Close() error {
	c.once.Do(func() { c.stop() })
	return c.Conn.Close()
}

// teamSession connects, reads the bucket from the cached revision on (everything if
// the cache is empty or belongs to another incarnation of the bucket), applies it, and
// then, unless once, applies every change as it comes until the connection ends or ctx
// is done. onChange hears each applied change, from this goroutine.
func (ix *Index) teamSession(ctx context.Context, once bool, onChange func(Change)) error {
	t := ix.team
	t.attempts.Add(1)
	timeout := ix.opt.TeamTimeout
	if timeout <= 0 {
		timeout = DefaultTeamTimeout
	}
	closed := make(chan struct{})
	nc, err := TeamConnect(ctx, t.cfg, timeout, nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	kv, err := js.KeyValue(rctx, t.bucket)
	var info *jetstream.StreamInfo
	if err == nil {
		var s jetstream.Stream
		if s, err = js.Stream(rctx, "KV_"+t.bucket); err == nil {
			info = s.CachedInfo()
		}
	}
	cancel()
	if err != nil {
		return fmt.Errorf("bucket %s: %w", t.bucket, err)
	}
	// A deleted bucket and a new leader of its stream are announced at once by
	// advisories; the watch would only miss heartbeats seconds later.
	deleted, leader := make(chan struct{}, 1), make(chan struct{}, 1)
	for subj, ch := range map[string]chan struct{}{
		jsAdvisoryStreamDeleted + ".KV_" + t.bucket:       deleted,
		jsAdvisoryStreamLeaderElected + ".KV_" + t.bucket: leader,
	} {
		adv, err := nc.Subscribe(subj, func(*nats.Msg) {
			select {
			case ch <- struct{}{}:
			default:
			}
		})
		if err == nil {
			defer func() { _ = adv.Unsubscribe() }()
		}
	}

	rev, stream, cached := ix.teamResume()
	incarnation := info.Created.UnixNano()
	full := rev == 0 || stream != incarnation || info.State.LastSeq < rev
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	var w jetstream.KeyWatcher
	if full {
		w, err = kv.WatchAll(wctx)
	} else {
		w, err = kv.WatchAll(wctx, jetstream.ResumeFromRevision(rev+1))
	}
	if err != nil {
		return fmt.Errorf("watch bucket %s: %w", t.bucket, err)
	}
	defer func() { _ = w.Stop() }()

	var initial []teamEntry
	live := false
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-closed:
			if e := nc.LastError(); e != nil {
				return fmt.Errorf("%w: %w", errTeamClosed, e)
			}
			return errTeamClosed
		case <-deleted:
			return fmt.Errorf("bucket %s: %w", t.bucket, errTeamBucketDeleted)
		case <-leader:
			if live && !once {
				return errTeamNewLeader
			}
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return errTeamWatchEnded
			}
			if !live {
				if e != nil {
					initial = append(initial, toTeamEntry(e))
					continue
				}
				// The bucket as it is now has been read.
				var keep map[string]bool
				if !full && cached > 0 {
					// A delete marker purged while this machine was away left no trace in
					// the revisions after ours: ask which keys exist.
					if keep, err = listTeamKeys(ctx, kv, timeout); err != nil {
						return err
					}
				}
				ch, _ := ix.applyTeam(initial, full, keep, incarnation)
				initial = nil
				live = true
				if !once {
					ix.setTeamState(TeamLive, nil)
				}
				onChange(ch)
				if once {
					return nil
				}
				continue
			}
			if e == nil {
				continue
			}
			batch := []teamEntry{toTeamEntry(e)}
		drain:
			for len(batch) < teamBatch {
				select {
				case e, ok := <-w.Updates():
					if !ok {
						break drain
					}
					if e != nil {
						batch = append(batch, toTeamEntry(e))
					}
				default:
					break drain
				}
			}
			ch, err := ix.applyTeam(batch, false, nil, 0)
			if errors.Is(err, ErrClosed) {
				return err
			}
			onChange(ch)
		}
	}
}

// jsAdvisoryStreamDeleted is the subject prefix of JetStream's stream-deleted
// advisories ($JS.EVENT.ADVISORY.STREAM.DELETED.<stream>).
const jsAdvisoryStreamDeleted = "$JS.EVENT.ADVISORY.STREAM.DELETED"

// jsAdvisoryStreamLeaderElected is the prefix of the new-stream-leader advisories.
const jsAdvisoryStreamLeaderElected = "$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED"

func toTeamEntry(e jetstream.KeyValueEntry) teamEntry {
	op := e.Operation()
	return teamEntry{key: e.Key(), rev: e.Revision(), created: e.Created(),
		deleted: op == jetstream.KeyValueDelete || op == jetstream.KeyValuePurge, value: e.Value()}
}

// listTeamKeys lists the keys that hold a value now.
func listTeamKeys(ctx context.Context, kv jetstream.KeyValue, timeout time.Duration) (map[string]bool, error) {
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	l, err := kv.ListKeys(lctx)
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return map[string]bool{}, nil
		}
		return nil, fmt.Errorf("list keys: %w", err)
	}
	defer func() { _ = l.Stop() }()
	keys := map[string]bool{}
	for k := range l.Keys() {
		keys[k] = true
	}
	if lctx.Err() != nil {
		return nil, fmt.Errorf("list keys: %w", lctx.Err())
	}
	return keys, nil
}

// TeamAuthor is who publishes, for KV history: user@host, nothing secret.
func TeamAuthor() string {
	h, _ := os.Hostname()
	u := os.Getenv("USER")
	if u == "" {
		u = os.Getenv("USERNAME")
	}
	switch {
	case u != "" && h != "":
		return u + "@" + h
	case h != "":
		return h
	}
	return u
}
