package events

import (
	"context"
	"sync"
	"sync/atomic"
)

// DefaultBuffer is a subscriber's buffer when none is given: room for a busy
// minute on a few lanes.
const DefaultBuffer = 256

// Bus fans events of type T out to subscribers. The zero value is not
// usable; call New.
type Bus[T any] struct {
	mu      sync.Mutex
	subs    map[*sub[T]]struct{}
	buffer  int
	dropped atomic.Int64
}

type sub[T any] struct {
	ch     chan T
	closed bool
}

// New makes a bus whose subscribers each buffer up to buffer events
// (DefaultBuffer when buffer <= 0).
func New[T any](buffer int) *Bus[T] {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	return &Bus[T]{subs: map[*sub[T]]struct{}{}, buffer: buffer}
}

// Subscribe returns a channel of events published from now on. It is closed
// when ctx ends.
func (b *Bus[T]) Subscribe(ctx context.Context) <-chan T {
	s := &sub[T]{ch: make(chan T, b.buffer)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	context.AfterFunc(ctx, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, s)
		s.closed = true
		close(s.ch)
	})
	return s.ch
}

// Publish hands ev to every subscriber without ever waiting: a full buffer
// loses its oldest event instead.
func (b *Bus[T]) Publish(ev T) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		for {
			select {
			case s.ch <- ev:
			default:
				// Full: drop the oldest and try again. The subscriber may
				// have taken one meanwhile, so the drop may find nothing.
				select {
				case <-s.ch:
					b.dropped.Add(1)
				default:
				}
				continue
			}
			break
		}
	}
}

// Dropped counts events lost to full subscriber buffers since New.
func (b *Bus[T]) Dropped() int64 { return b.dropped.Load() }

// Subscribers counts the current subscribers.
func (b *Bus[T]) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}
