package events

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestFanOutInOrder(t *testing.T) {
	b := New[int](8)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, c := b.Subscribe(ctx), b.Subscribe(ctx)
	for i := range 5 {
		b.Publish(i)
	}
	for _, ch := range []<-chan int{a, c} {
		for want := range 5 {
			if got := <-ch; got != want {
				t.Fatalf("got %d, want %d", got, want)
			}
		}
	}
	if b.Dropped() != 0 {
		t.Fatalf("dropped %d", b.Dropped())
	}
}

func TestSlowSubscriberLosesOldestAndNeverBlocks(t *testing.T) {
	b := New[int](4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := b.Subscribe(ctx)
	fast := b.Subscribe(ctx)
	var got []int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for v := range fast {
			got = append(got, v)
			if v == 99 {
				return
			}
		}
	}()
	done := make(chan struct{})
	go func() {
		for i := range 100 {
			b.Publish(i)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked on a subscriber that never reads")
	}
	wg.Wait()
	var kept []int
	for range 4 {
		kept = append(kept, <-slow)
	}
	if kept[0] != 96 || kept[3] != 99 {
		t.Fatalf("slow subscriber kept %v, want the newest four (96..99)", kept)
	}
	if b.Dropped() < 96 {
		t.Fatalf("Dropped = %d, want at least 96", b.Dropped())
	}
	if len(got) == 0 || got[len(got)-1] != 99 {
		t.Fatalf("fast subscriber ended with %v", got)
	}
}

func TestUnsubscribeOnContextEnd(t *testing.T) {
	b := New[string](0)
	ctx, cancel := context.WithCancel(context.Background())
	ch := b.Subscribe(ctx)
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("received an event after the context ended")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after the context ended")
	}
	if n := b.Subscribers(); n != 0 {
		t.Fatalf("%d subscribers remain", n)
	}
	b.Publish("after") // must not panic on the closed channel
}
