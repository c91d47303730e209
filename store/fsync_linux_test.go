package store

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestFsyncErrorAnswersTruth fails the n-th fdatasync of a checkout's
// commit with EIO (strace's syscall tampering) and checks that the
// journal's answer is what is true: bbolt syncs the data pages, writes its
// commit record and syncs that; when the second sync fails bbolt returns
// the error, yet the commit stands. The journal must then answer
// "created" (and turn suspect), never "nothing was written" about a
// payment that the sweep would go on to charge.
func TestFsyncErrorAnswersTruth(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed (apt-get install strace): the fsync-error injection needs it")
	}
	if out, err := exec.Command(strace, "-f", "-qq", "-o", os.DevNull, "-e", "inject=fdatasync:error=EIO", "true").CombinedOutput(); err != nil {
		t.Skipf("strace cannot trace here (ptrace refused?): %v %s", err, out)
	}
	sawMetaCase := false
	for n := 3; n <= 5; n++ {
		path := filepath.Join(t.TempDir(), "journal.db")
		j, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		cmd := exec.Command(strace, "-f", "-qq", "-o", os.DevNull, "-e", "trace=fdatasync",
			"-e", fmt.Sprintf("inject=fdatasync:error=EIO:when=%d", n), os.Args[0], "-test.run=^TestFsyncChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "SCANPAY_FSYNC_CHILD="+path)
		out, err := cmd.CombinedOutput()
		var res string
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(l, "FSYNC-RESULT ") {
				res = strings.TrimPrefix(l, "FSYNC-RESULT ")
			}
		}
		if res == "" {
			t.Fatalf("sync %d: the child reported nothing (%v):\n%s", n, err, out)
		}
		j, err = Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, gerr := j.Get("p1")
		present := gerr == nil
		j.Close()
		t.Logf("sync %d failed: child says %s; after reopen the payment is present=%v", n, res, present)
		switch {
		case strings.HasPrefix(res, "error") && present:
			t.Errorf("sync %d failed: Create answered %q, yet the payment is in the journal (the sweep would charge it)", n, res)
		case strings.HasPrefix(res, "created") && !present:
			t.Errorf("sync %d failed: Create answered %q, yet the payment is not in the journal", n, res)
		case res == "created suspect=true":
			sawMetaCase = true
		case n <= 4 && res == "created suspect=false":
			t.Errorf("sync %d of the checkout failed, Create answered created, but the journal is not suspect", n)
		}
	}
	if !sawMetaCase {
		t.Errorf("no run failed the commit record's sync with the commit standing: the case this test is about was not reached")
	}
}

// TestFsyncChild is TestFsyncErrorAnswersTruth's child: Open and one
// Create.
func TestFsyncChild(t *testing.T) {
	path := os.Getenv("SCANPAY_FSYNC_CHILD")
	if path == "" {
		t.Skip("the child of TestFsyncErrorAnswersTruth; runs only under it")
	}
	res := make(chan string)
	var j *Journal
	go func() {
		// One thread does every fdatasync of this process, so that
		// strace's per-thread count names them: Open's two, then the
		// checkout's data pages (3) and its commit record (4).
		runtime.LockOSThread()
		var err error
		if j, err = Open(path, Options{}); err != nil {
			res <- fmt.Sprintf("open failed: %v", err)
			return
		}
		_, created, err := j.Create(newPayment("p1", "L1", "o1", 100))
		switch {
		case err != nil:
			res <- fmt.Sprintf("error write=%v: %v", errors.Is(err, ErrWrite), err)
		case created:
			res <- fmt.Sprintf("created suspect=%v", j.Suspect() != nil)
		default:
			res <- "not created"
		}
	}()
	fmt.Println("FSYNC-RESULT " + <-res)
	if j != nil {
		j.Close()
	}
}
