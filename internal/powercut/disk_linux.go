//go:build linux

package powercut

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// Disk is a mounted power-cut file system.
type Disk struct {
	backing, mountpoint string

	mu    sync.Mutex
	files map[uint64]*volatile // unsynced state by backing inode number
	// down: the power is off. Operations wait for the cut, then fail.
	down     bool
	cut      bool          // the cut since the power went off is done
	released chan struct{} // closed when it is
	server   *fuse.Server
	stats    Stats
	// syncLatency is how long an fsync takes before it flushes.
	syncLatency atomic.Int64
}

// SetSyncLatency makes every fsync and fdatasync wait l before it flushes,
// as a real disk's does: more of a writer's time then has writes pending,
// for a cut to find. A cut during the wait loses what the sync was for.
func (d *Disk) SetSyncLatency(l time.Duration) { d.syncLatency.Store(int64(l)) }

// Mount serves backing at mountpoint (both existing directories). It
// fails with an error wrapping ErrUnavailable where this machine cannot
// mount FUSE: /dev/fuse is absent, or mounting is not permitted.
func Mount(backing, mountpoint string) (*Disk, error) {
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v (load the fuse kernel module and install fuse3; the device must be readable and writable by this user)", ErrUnavailable, err)
	}
	f.Close()
	d := &Disk{backing: backing, mountpoint: mountpoint, files: map[uint64]*volatile{}}
	if err := d.mount(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Disk) mount() error {
	var st syscall.Stat_t
	if err := syscall.Stat(d.backing, &st); err != nil {
		return fmt.Errorf("powercut: backing directory: %w", err)
	}
	root := &fs.LoopbackRoot{Path: d.backing, Dev: uint64(st.Dev)}
	n := &node{LoopbackNode: &fs.LoopbackNode{RootData: root}, d: d}
	root.RootNode = n
	srv, err := fs.Mount(d.mountpoint, n, &fs.Options{MountOptions: fuse.MountOptions{
		// As root go-fuse mounts with mount(2) itself; otherwise it
		// falls back to fusermount3 (package fuse3).
		DirectMount: true,
		FsName:      "powercut:" + d.backing,
		Name:        "powercut",
	}})
	if err != nil {
		// Without root, go-fuse runs fusermount3, which says why it
		// failed on stderr and returns only its exit code.
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) || errors.Is(err, exec.ErrNotFound) ||
			strings.Contains(err.Error(), "ermission denied") || strings.Contains(err.Error(), "not permitted") ||
			strings.Contains(err.Error(), "executable file not found") || strings.Contains(err.Error(), "fusermount exited") {
			return fmt.Errorf("%w: mounting FUSE at %s: %v (run as root, or install fuse3 for fusermount3)", ErrUnavailable, d.mountpoint, err)
		}
		return fmt.Errorf("powercut: mounting FUSE at %s: %w", d.mountpoint, err)
	}
	d.mu.Lock()
	d.server, d.down, d.cut, d.released = srv, false, false, nil
	d.mu.Unlock()
	return nil
}

// Mountpoint is where the file system is mounted.
func (d *Disk) Mountpoint() string { return d.mountpoint }

// Stats counts what the file system has seen since Mount.
func (d *Disk) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// Freeze is the instant the power goes: no operation completes from now
// on, so nothing more reaches the disk. Operations wait until PowerCut,
// then fail with EIO. Freeze, kill the writer, then PowerCut: a writer
// killed while its request is being served waits for the answer.
func (d *Disk) Freeze() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.down {
		d.down, d.released = true, make(chan struct{})
	}
}

// on locks d.mu and says true while the power is on. While it is off, it
// waits for the cut and says false, unlocked.
func (d *Disk) on() bool {
	d.mu.Lock()
	if !d.down {
		return true
	}
	rel := d.released
	d.mu.Unlock()
	<-rel
	return false
}

// PowerCut freezes the Disk (if Freeze did not), loses every write not
// yet synced, keeping what cut says, and fails the operations waiting.
// The backing directory then holds what a disk would after a power
// failure; PowerOn mounts it again. rng makes the torn and kept pages
// reproducible (Drop needs none).
func (d *Disk) PowerCut(cut Cut, rng *rand.Rand) (Report, error) {
	d.Freeze()
	d.mu.Lock()
	defer d.mu.Unlock()
	var r Report
	if d.cut {
		return r, nil
	}
	var err error
	inos := make([]uint64, 0, len(d.files))
	for ino := range d.files {
		inos = append(inos, ino)
	}
	slices.Sort(inos)
	for _, ino := range inos {
		v := d.files[ino]
		if e := v.cut(cut, rng, &r); e != nil && err == nil {
			err = fmt.Errorf("powercut: writing what a cut keeps: %w", e)
		}
		v.fd.Close()
	}
	d.files = map[uint64]*volatile{}
	d.stats.Cuts++
	d.cut = true
	close(d.released)
	return r, err
}

// Unmount unmounts the file system, cutting the power first if it is on
// (what was never synced is lost). Every file on the mount must be closed
// (a killed writer's are, once it has been waited for).
func (d *Disk) Unmount() error {
	if _, err := d.PowerCut(Drop, nil); err != nil {
		return err
	}
	d.mu.Lock()
	srv := d.server
	d.server = nil
	d.mu.Unlock()
	if srv == nil {
		return nil
	}
	if err := srv.Unmount(); err != nil {
		return fmt.Errorf("powercut: unmounting %s (close every file on it first): %w", d.mountpoint, err)
	}
	return nil
}

// PowerOn mounts the Disk again after a PowerCut, with no kernel cache of
// what the cut lost.
func (d *Disk) PowerOn() error {
	d.mu.Lock()
	if !d.down {
		d.mu.Unlock()
		return errors.New("powercut: PowerOn while the power is on")
	}
	d.mu.Unlock()
	if err := d.Unmount(); err != nil {
		return err
	}
	return d.mount()
}

// Backing is the backing directory: while the power is off, it holds
// exactly what survived the cut.
func (d *Disk) Backing() string { return d.backing }

// volatile is one file's state since its last sync: its logical size,
// and a copy of each page written since. Bytes of a page past size are
// zero.
type volatile struct {
	fd       *os.File         // the backing file, read-write
	size     int64            // logical size
	zeroFrom int64            // backing bytes at or past this were truncated away
	pages    map[int64][]byte // dirty pages by index, pageSize each
	last     int64            // the page written last, -1 if none is dirty
}

// state returns the volatile state of ino, making it from fd's file.
// Called with d.mu held.
func (d *Disk) state(ino uint64, fd *os.File) (*volatile, error) {
	if v := d.files[ino]; v != nil {
		return v, nil
	}
	// A private read-write descriptor: the handle that began the state
	// may be read-only, or closed before the file is synced.
	rw, err := os.OpenFile(fmt.Sprintf("/proc/self/fd/%d", fd.Fd()), os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	st, err := rw.Stat()
	if err != nil {
		rw.Close()
		return nil, err
	}
	v := &volatile{fd: rw, size: st.Size(), zeroFrom: st.Size(), pages: map[int64][]byte{}, last: -1}
	d.files[ino] = v
	return v, nil
}

// read reads the logical contents at off into dest, returning how many
// bytes there are (fewer than len(dest) at the end of the file).
func (v *volatile) read(dest []byte, off int64) (int, error) {
	if off >= v.size {
		return 0, nil
	}
	n := min(int64(len(dest)), v.size-off)
	buf := dest[:n]
	clear(buf)
	if off < v.zeroFrom {
		end := min(off+n, v.zeroFrom)
		if _, err := v.fd.ReadAt(buf[:end-off], off); err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
	}
	for idx := off / pageSize; idx*pageSize < off+n; idx++ {
		if p := v.pages[idx]; p != nil {
			ps := idx * pageSize
			lo, hi := max(off, ps), min(off+n, ps+pageSize)
			copy(buf[lo-off:hi-off], p[lo-ps:hi-ps])
		}
	}
	return int(n), nil
}

func (v *volatile) write(data []byte, off int64) error {
	for done := 0; done < len(data); {
		pos := off + int64(done)
		idx := pos / pageSize
		p := v.pages[idx]
		if p == nil {
			p = make([]byte, pageSize)
			if _, err := v.read(p, idx*pageSize); err != nil {
				return err
			}
			v.pages[idx] = p
		}
		done += copy(p[pos-idx*pageSize:], data[done:])
		v.last = idx
	}
	v.size = max(v.size, off+int64(len(data)))
	return nil
}

func (v *volatile) truncate(size int64) {
	if size < v.size {
		for idx, p := range v.pages {
			switch ps := idx * pageSize; {
			case ps >= size:
				delete(v.pages, idx)
				if v.last == idx {
					v.last = -1
				}
			case ps+pageSize > size:
				clear(p[size-ps:])
			}
		}
		v.zeroFrom = min(v.zeroFrom, size)
	}
	v.size = size
}

// sync makes the backing file what the logical file is.
func (v *volatile) sync() error {
	st, err := v.fd.Stat()
	if err != nil {
		return err
	}
	if v.zeroFrom < st.Size() {
		if err := v.fd.Truncate(v.zeroFrom); err != nil {
			return err
		}
	}
	for idx, p := range v.pages {
		if err := v.persist(idx, p, pageSize); err != nil {
			return err
		}
	}
	// The host's own disk does not lose power here: no fsync of the
	// backing file is needed for the simulation.
	return v.fd.Truncate(v.size)
}

// persist writes the first n bytes of page idx to the backing file,
// no further than the logical size.
func (v *volatile) persist(idx int64, p []byte, n int) error {
	ps := idx * pageSize
	n = int(min(int64(n), v.size-ps))
	if n <= 0 {
		return nil
	}
	_, err := v.fd.WriteAt(p[:n], ps)
	return err
}

// cut decides what of v a power cut keeps, and writes that.
func (v *volatile) cut(cut Cut, rng *rand.Rand, r *Report) error {
	r.Files++
	idxs := make([]int64, 0, len(v.pages))
	for idx := range v.pages {
		idxs = append(idxs, idx)
	}
	slices.Sort(idxs)
	r.Pages += len(idxs)
	switch cut {
	case Tear:
		if p := v.pages[v.last]; p != nil {
			keep := sectorSize * (1 + rng.IntN(pageSize/sectorSize-1))
			r.TornBytes += keep
			return v.persist(v.last, p, keep)
		}
	case Reorder:
		for _, idx := range idxs {
			if rng.IntN(2) == 0 {
				r.Kept++
				if err := v.persist(idx, v.pages[idx], pageSize); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// node is a loopback node whose regular files keep unsynced writes in
// the Disk's volatile layer.
type node struct {
	*fs.LoopbackNode
	d *Disk
}

var (
	_ fs.NodeWrapChilder    = (*node)(nil)
	_ fs.NodeLookuper       = (*node)(nil)
	_ fs.NodeOpener         = (*node)(nil)
	_ fs.NodeCreater        = (*node)(nil)
	_ fs.NodeGetattrer      = (*node)(nil)
	_ fs.NodeSetattrer      = (*node)(nil)
	_ fs.NodeStatxer        = (*node)(nil)
	_ fs.NodeUnlinker       = (*node)(nil)
	_ fs.NodeCopyFileRanger = (*node)(nil)
	_ fs.NodeTmpfiler       = (*node)(nil)
)

// WrapChild makes every node below the root a power-cut node too.
func (n *node) WrapChild(ctx context.Context, ops fs.InodeEmbedder) fs.InodeEmbedder {
	if lb, ok := ops.(*fs.LoopbackNode); ok {
		return &node{LoopbackNode: lb, d: n.d}
	}
	return ops
}

func (n *node) ino() uint64 { return n.StableAttr().Ino }

func (n *node) backingPath() string {
	return filepath.Join(n.RootData.Path, n.Path(n.RootData.RootNode.EmbeddedInode()))
}

// logicalSize returns the size to report for ino, if it differs from the
// backing file's. Called with d.mu held.
func (d *Disk) logicalSize(ino uint64) (uint64, bool) {
	if v := d.files[ino]; v != nil {
		return uint64(v.size), true
	}
	return 0, false
}

func (n *node) fixAttr(ino uint64, a *fuse.Attr) {
	n.d.mu.Lock()
	defer n.d.mu.Unlock()
	if size, ok := n.d.logicalSize(ino); ok {
		a.Size, a.Blocks = size, (size+511)/512
	}
}

func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	ch, errno := n.LoopbackNode.Lookup(ctx, name, out)
	if errno == 0 {
		n.fixAttr(ch.StableAttr().Ino, &out.Attr)
	}
	return ch, errno
}

func (n *node) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if errno := n.LoopbackNode.Getattr(ctx, nil, out); errno != 0 {
		return errno
	}
	n.fixAttr(n.ino(), &out.Attr)
	return 0
}

func (n *node) Statx(ctx context.Context, f fs.FileHandle, flags, mask uint32, out *fuse.StatxOut) syscall.Errno {
	if errno := n.LoopbackNode.Statx(ctx, nil, flags, mask, out); errno != 0 {
		return errno
	}
	n.d.mu.Lock()
	defer n.d.mu.Unlock()
	if size, ok := n.d.logicalSize(n.ino()); ok {
		out.Size, out.Blocks = size, (size+511)/512
	}
	return 0
}

// Setattr keeps a size change volatile and passes the rest through.
func (n *node) Setattr(ctx context.Context, f fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if size, ok := in.GetSize(); ok {
		if errno := n.truncate(f, int64(size)); errno != 0 {
			return errno
		}
		in.Valid &^= fuse.FATTR_SIZE
	}
	if errno := n.LoopbackNode.Setattr(ctx, nil, in, out); errno != 0 {
		return errno
	}
	n.fixAttr(n.ino(), &out.Attr)
	return 0
}

func (n *node) truncate(f fs.FileHandle, size int64) syscall.Errno {
	fd, ok := f.(*file)
	if !ok {
		o, err := os.Open(n.backingPath())
		if err != nil {
			return fs.ToErrno(err)
		}
		defer o.Close()
		fd = &file{d: n.d, f: o, ino: n.ino()}
	}
	return fd.do(func(v *volatile) error { v.truncate(size); return nil })
}

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, errno := n.d.open(n.backingPath(), n.ino(), flags)
	return fh, 0, errno
}

// open opens the backing file at path, of inode ino, for a handle.
func (d *Disk) open(path string, ino uint64, flags uint32) (*file, syscall.Errno) {
	trunc := flags&syscall.O_TRUNC != 0
	f, err := os.OpenFile(path, int(flags&^(syscall.O_APPEND|syscall.O_TRUNC|syscall.O_CREAT|syscall.O_EXCL|fuse.FMODE_EXEC)), 0)
	if err != nil {
		return nil, fs.ToErrno(err)
	}
	h := &file{d: d, f: f, ino: ino}
	if trunc {
		if errno := h.do(func(v *volatile) error { v.truncate(0); return nil }); errno != 0 {
			f.Close()
			return nil, errno
		}
	}
	return h, 0
}

func (n *node) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	ch, lf, _, errno := n.LoopbackNode.Create(ctx, name, flags&^syscall.O_TRUNC, mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	// The loopback's handle would write through: swap it for ours.
	lf.(fs.FileReleaser).Release(ctx)
	// The child is not in the tree until Create returns: open by name.
	fh, errno := n.d.open(filepath.Join(n.backingPath(), name), ch.StableAttr().Ino, flags)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	n.fixAttr(ch.StableAttr().Ino, &out.Attr)
	return ch, fh, 0, 0
}

// Unlink forgets the volatile state of a file whose last name goes, so
// that a new file given the same inode number does not inherit it.
func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	var st syscall.Stat_t
	err := syscall.Lstat(filepath.Join(n.backingPath(), name), &st)
	if errno := n.LoopbackNode.Unlink(ctx, name); errno != 0 {
		return errno
	}
	if err == nil && st.Nlink <= 1 {
		n.d.mu.Lock()
		if v := n.d.files[st.Ino]; v != nil {
			v.fd.Close()
			delete(n.d.files, st.Ino)
		}
		n.d.mu.Unlock()
	}
	return 0
}

// CopyFileRange is refused: it would copy behind the volatile layer's
// back. The kernel then copies through read and write.
func (n *node) CopyFileRange(ctx context.Context, fhIn fs.FileHandle, offIn uint64, out *fs.Inode, fhOut fs.FileHandle, offOut uint64, size uint64, flags uint64) (uint32, syscall.Errno) {
	return 0, syscall.EOPNOTSUPP
}

// Tmpfile is refused: O_TMPFILE files are not modelled.
func (n *node) Tmpfile(ctx context.Context, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, syscall.EOPNOTSUPP
}

// file is an open regular file on the Disk.
type file struct {
	d   *Disk
	f   *os.File
	ino uint64
}

var (
	_ fs.FileReader    = (*file)(nil)
	_ fs.FileWriter    = (*file)(nil)
	_ fs.FileFsyncer   = (*file)(nil)
	_ fs.FileFlusher   = (*file)(nil)
	_ fs.FileReleaser  = (*file)(nil)
	_ fs.FileAllocater = (*file)(nil)
)

// do runs fn on the file's volatile state, creating it, unless the power
// is off.
func (h *file) do(fn func(v *volatile) error) syscall.Errno {
	if !h.d.on() {
		return syscall.EIO
	}
	defer h.d.mu.Unlock()
	v, err := h.d.state(h.ino, h.f)
	if err == nil {
		err = fn(v)
	}
	return fs.ToErrno(err)
}

func (h *file) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if !h.d.on() {
		return nil, syscall.EIO
	}
	defer h.d.mu.Unlock()
	var n int
	var err error
	if v := h.d.files[h.ino]; v != nil {
		n, err = v.read(dest, off)
	} else if n, err = h.f.ReadAt(dest, off); errors.Is(err, io.EOF) {
		err = nil
	}
	if err != nil {
		return nil, fs.ToErrno(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

func (h *file) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	errno := h.do(func(v *volatile) error { h.d.stats.Writes++; return v.write(data, off) })
	if errno != 0 {
		return 0, errno
	}
	return uint32(len(data)), 0
}

// Fsync serves fsync and fdatasync alike: the file's volatile state
// reaches the backing file.
func (h *file) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	time.Sleep(time.Duration(h.d.syncLatency.Load()))
	if !h.d.on() {
		return syscall.EIO
	}
	defer h.d.mu.Unlock()
	h.d.stats.Syncs++
	v := h.d.files[h.ino]
	if v == nil {
		return 0
	}
	err := v.sync()
	v.fd.Close()
	delete(h.d.files, h.ino)
	return fs.ToErrno(err)
}

// Allocate takes plain fallocate (extend the size) and FALLOC_FL_KEEP_SIZE
// (reserve space: nothing to model); other modes are refused.
func (h *file) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	const keepSize = 0x01
	switch mode {
	case 0:
		return h.do(func(v *volatile) error { v.size = max(v.size, int64(off+size)); return nil })
	case keepSize:
		return 0
	}
	return syscall.EOPNOTSUPP
}

// Flush (close) makes nothing durable.
func (h *file) Flush(ctx context.Context) syscall.Errno { return 0 }

func (h *file) Release(ctx context.Context) syscall.Errno { return fs.ToErrno(h.f.Close()) }
