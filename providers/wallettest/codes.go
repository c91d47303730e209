package wallettest

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Options are what every simulator takes.
type Options struct {
	// CodeTTL is how long a payment code stays usable after it was issued
	// (or first seen, with AcceptUnissued). Zero means 60 s.
	CodeTTL time.Duration
	// AcceptUnissued makes any well-formed code fresh when first seen:
	// SANDBOX mode, where the codes come from a real phone or a printed
	// test sheet rather than IssueCode.
	AcceptUnissued bool
	// Now is the simulator's clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger // nil means slog.Default()
}

func (o Options) withDefaults() Options {
	if o.CodeTTL <= 0 {
		o.CodeTTL = 60 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Why a code is refused, for simulators to map onto their wallet's codes.
var (
	ErrCodeMalformed = errors.New("payment code is not in the wallet's shape")
	ErrCodeUnknown   = errors.New("payment code was never issued")
	ErrCodeExpired   = errors.New("payment code has expired")
	ErrCodeUsed      = errors.New("payment code was already used for another payment")
)

// Codes is one simulator's book of payment codes: each is valid for
// CodeTTL from issue and pays for one key only. Safe for concurrent use.
type Codes struct {
	shape    func(r *rand.Rand) string
	valid    func(string) bool
	ttl      time.Duration
	now      func() time.Time
	unissued bool

	mu   sync.Mutex
	rnd  *rand.Rand
	book map[string]*codeState
}

type codeState struct {
	issued time.Time
	usedBy string
}

// NewCodes makes a code book. shape draws a new code in the wallet's shape;
// valid says whether a string is in that shape.
func NewCodes(shape func(r *rand.Rand) string, valid func(string) bool, opts Options) *Codes {
	opts = opts.withDefaults()
	return &Codes{
		shape: shape, valid: valid, ttl: opts.CodeTTL, now: opts.Now, unissued: opts.AcceptUnissued,
		rnd:  rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		book: map[string]*codeState{},
	}
}

// Issue draws a fresh code, as the customer's app would show it.
func (c *Codes) Issue() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		code := c.shape(c.rnd)
		if _, dup := c.book[code]; !dup {
			c.book[code] = &codeState{issued: c.now()}
			return code
		}
	}
}

// Use claims code for key. Using it again for the same key is fine (a
// resend); for another key, or once expired, or never issued (unless
// AcceptUnissued), it is refused.
func (c *Codes) Use(code, key string) error {
	if !c.valid(code) {
		return ErrCodeMalformed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	st, ok := c.book[code]
	if !ok {
		if !c.unissued {
			return ErrCodeUnknown
		}
		st = &codeState{issued: now}
		c.book[code] = st
	}
	switch {
	case st.usedBy == key:
		return nil
	case st.usedBy != "":
		return ErrCodeUsed
	case now.Sub(st.issued) > c.ttl:
		return ErrCodeExpired
	}
	st.usedBy = key
	return nil
}

// RandomString draws n characters of set: a helper for shape functions.
func RandomString(r *rand.Rand, set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[r.IntN(len(set))]
	}
	return string(b)
}
