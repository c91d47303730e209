//go:build windows

// comprobe reads a COM port one way and prints what arrives, to tell
// Wine's serial emulation from scanpay's serial path (e2e/wine_test.go):
//
//	comprobe <mode> COM7
//
// It prints "ready" once the port is open and set up, then "got <hex>"
// for each read that returns bytes, and "error <text>" on a failure. The
// modes:
//
//	library        go.bug.st/serial as scanpay opens it (read timeout)
//	library-block  go.bug.st/serial with no read timeout
//	plain-poll     CreateFile (no overlapped I/O), COMMTIMEOUTS "return at
//	               once", ReadFile in a loop
//	plain-wait     CreateFile (no overlapped I/O), COMMTIMEOUTS all zero:
//	               ReadFile of one byte blocks until it arrives
//	plain-library-timeouts  CreateFile (no overlapped I/O), COMMTIMEOUTS
//	               as the library sets them
//	overlapped     CreateFile with FILE_FLAG_OVERLAPPED, COMMTIMEOUTS as
//	               the library sets them, ReadFile + GetOverlappedResult
//	overlapped-poll  the same with COMMTIMEOUTS "return at once"
//	overlapped-wait  the same with COMMTIMEOUTS all zero, one byte a read
package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"go.bug.st/serial"
	"golang.org/x/sys/windows"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Println("error usage: comprobe <mode> <port>")
		os.Exit(2)
	}
	mode, port := os.Args[1], os.Args[2]
	var read func([]byte) (int, error)
	switch mode {
	case "library", "library-block":
		p, err := serial.Open(port, &serial.Mode{BaudRate: 9600})
		if err != nil {
			fail(err)
		}
		if mode == "library" {
			if err := p.SetReadTimeout(100 * time.Millisecond); err != nil {
				fail(err)
			}
		}
		read = p.Read
	case "plain-poll", "plain-wait", "plain-library-timeouts":
		h := open(port, 0)
		t := windows.CommTimeouts{}
		switch mode {
		case "plain-poll":
			t.ReadIntervalTimeout = 0xFFFFFFFF
		case "plain-library-timeouts":
			t = libraryTimeouts
		}
		if err := windows.SetCommTimeouts(h, &t); err != nil {
			fail(err)
		}
		read = func(b []byte) (int, error) {
			if mode == "plain-wait" {
				b = b[:1]
			}
			var n uint32
			err := windows.ReadFile(h, b, &n, nil)
			if n == 0 && err == nil {
				time.Sleep(20 * time.Millisecond)
			}
			return int(n), err
		}
	case "overlapped", "overlapped-poll", "overlapped-wait":
		h := open(port, windows.FILE_FLAG_OVERLAPPED)
		t := libraryTimeouts
		switch mode {
		case "overlapped-poll":
			t = windows.CommTimeouts{ReadIntervalTimeout: 0xFFFFFFFF}
		case "overlapped-wait":
			t = windows.CommTimeouts{}
		}
		if err := windows.SetCommTimeouts(h, &t); err != nil {
			fail(err)
		}
		ev, err := windows.CreateEvent(nil, 1, 0, nil)
		if err != nil {
			fail(err)
		}
		read = func(b []byte) (int, error) {
			var n uint32
			if mode == "overlapped-wait" {
				b = b[:1]
			}
			o := &windows.Overlapped{HEvent: ev}
			err := windows.ReadFile(h, b, &n, o)
			if err == windows.ERROR_IO_PENDING {
				err = windows.GetOverlappedResult(h, o, &n, true)
			}
			if n == 0 && err == nil && mode == "overlapped-poll" {
				time.Sleep(20 * time.Millisecond)
			}
			return int(n), err
		}
	default:
		fail(fmt.Errorf("unknown mode %q", mode))
	}
	fmt.Println("ready")
	buf := make([]byte, 256)
	for {
		n, err := read(buf)
		if n > 0 {
			fmt.Println("got", hex.EncodeToString(buf[:n]))
		}
		if err != nil {
			fail(err)
		}
	}
}

// libraryTimeouts are go.bug.st/serial's with a 100 ms read timeout:
// Windows documents MAXDWORD, MAXDWORD, n as "return at once with what is
// buffered, else wait up to n ms for the first byte".
var libraryTimeouts = windows.CommTimeouts{ReadIntervalTimeout: 0xFFFFFFFF, ReadTotalTimeoutMultiplier: 0xFFFFFFFF, ReadTotalTimeoutConstant: 100}

func open(port string, flags uint32) windows.Handle {
	name, err := windows.UTF16PtrFromString(`\\.\` + port)
	if err != nil {
		fail(err)
	}
	h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, flags, 0)
	if err != nil {
		fail(err)
	}
	var dcb windows.DCB
	if err := windows.GetCommState(h, &dcb); err != nil {
		fail(err)
	}
	dcb.BaudRate = 9600
	dcb.ByteSize = 8
	if err := windows.SetCommState(h, &dcb); err != nil {
		fail(err)
	}
	return h
}

func fail(err error) {
	fmt.Println("error", err)
	os.Exit(1)
}
