package statuspage

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"sync"
	"time"
)

// Limits of the access model (docs/design.md, "The status page").
const (
	DefaultLinkTTL    = 60 * time.Second // a login link works this long, once
	DefaultSessionTTL = 12 * time.Hour   // a session ends after this long unused
	maxLinks          = 16               // links minted and not yet used
	maxSessions       = 32               // open sessions; the least recently used goes first
	cookieName        = "scanpay_session"
)

// secret is 32 random bytes, URL-safe.
func secret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

type digest [sha256.Size]byte

func digestOf(s string) digest { return sha256.Sum256([]byte(s)) }

type link struct {
	operator string
	made     time.Time // with its monotonic reading: a wall-clock change neither extends nor shortens it
}

type session struct {
	id       string // short, public: names the session in a payment's history
	csrf     string
	operator string
	seen     time.Time // monotonic
	flash    string
	flashErr bool
}

func (s *session) csrfOK(got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

// sessions keeps links and sessions by the digest of their secrets, so
// that the secrets themselves are never kept once handed out.
type sessions struct {
	mu         sync.Mutex
	now        func() time.Time
	linkTTL    time.Duration
	sessionTTL time.Duration
	links      map[digest]link
	open       map[digest]*session
}

func newSessions(now func() time.Time, linkTTL, sessionTTL time.Duration) *sessions {
	return &sessions{now: now, linkTTL: linkTTL, sessionTTL: sessionTTL, links: map[digest]link{}, open: map[digest]*session{}}
}

// mint makes a one-time link secret for operator.
func (s *sessions) mint(operator string) string {
	k := secret()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for d, l := range s.links {
		if now.Sub(l.made) > s.linkTTL {
			delete(s.links, d)
		}
	}
	evictOldest(s.links, maxLinks, func(l link) time.Time { return l.made })
	s.links[digestOf(k)] = link{operator: operator, made: now}
	return k
}

// redeem exchanges a link secret, once and in time, for a new session
// and its cookie value.
func (s *sessions) redeem(k string) (cookie string, sess *session, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := digestOf(k)
	l, found := s.links[d]
	delete(s.links, d) // used, whatever follows
	now := s.now()
	if !found || now.Sub(l.made) > s.linkTTL || now.Before(l.made) {
		return "", nil, false
	}
	evictOldest(s.open, maxSessions, func(o *session) time.Time { return o.seen })
	cookie = secret()
	cd := digestOf(cookie)
	sess = &session{id: hex.EncodeToString(cd[:4]), csrf: secret(), operator: l.operator, seen: now}
	s.open[cd] = sess
	return cookie, sess, true
}

// evictOldest deletes the entries of m with the oldest times until fewer
// than limit remain.
func evictOldest[V any](m map[digest]V, limit int, at func(V) time.Time) {
	for len(m) >= limit {
		var oldest digest
		first := true
		for d, v := range m {
			if first || at(v).Before(at(m[oldest])) {
				oldest, first = d, false
			}
		}
		delete(m, oldest)
	}
}

// get is the live session of a cookie value; it counts as use.
func (s *sessions) get(cookie string) (*session, bool) {
	if cookie == "" {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := digestOf(cookie)
	sess, ok := s.open[d]
	if !ok {
		return nil, false
	}
	now := s.now()
	if now.Sub(sess.seen) > s.sessionTTL {
		delete(s.open, d)
		return nil, false
	}
	sess.seen = now
	return sess, true
}

func (s *sessions) end(cookie string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.open, digestOf(cookie))
}

// setFlash and takeFlash carry one message across a redirect.
func (s *sessions) setFlash(sess *session, msg string, isErr bool) {
	s.mu.Lock()
	sess.flash, sess.flashErr = msg, isErr
	s.mu.Unlock()
}

func (s *sessions) takeFlash(sess *session) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, e := sess.flash, sess.flashErr
	sess.flash, sess.flashErr = "", false
	return m, e
}
