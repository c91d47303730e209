package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/scanpay/scanpay/providers/wallettest"
)

// faultKinds maps the names of wallettest.FaultKind to the kinds.
var faultKinds = func() map[string]wallettest.FaultKind {
	m := map[string]wallettest.FaultKind{}
	for k := wallettest.None; k <= wallettest.Unauthorized; k++ {
		m[k.String()] = k
	}
	return m
}()

// FaultSpec is one fault in the control API's JSON.
type FaultSpec struct {
	Kind  string `json:"kind"`            // none, delay, hang, drop_before_charge, drop_after_charge, server_error, malformed, truncated, decline, unauthorized
	Delay string `json:"delay,omitempty"` // for delay: "5s"
	Code  string `json:"code,omitempty"`  // for decline: the wallet's code
}

// FaultRequest queues faults for the next requests of one call.
type FaultRequest struct {
	Call   string      `json:"call"` // pay, cancel, refund, search, void, inquiry, login; "" = any
	Faults []FaultSpec `json:"faults"`
}

func (f FaultSpec) fault() (wallettest.Fault, error) {
	k, ok := faultKinds[f.Kind]
	if !ok {
		var names []string
		for n := range faultKinds {
			names = append(names, n)
		}
		return wallettest.Fault{}, fmt.Errorf("fault kind %q unknown: use one of %s", f.Kind, strings.Join(names, ", "))
	}
	out := wallettest.Fault{Kind: k, Code: f.Code}
	if f.Delay != "" {
		d, err := time.ParseDuration(f.Delay)
		if err != nil || d < 0 {
			return out, fmt.Errorf("delay %q is not a duration: write it like \"5s\"", f.Delay)
		}
		out.Delay = d
	}
	if k == wallettest.Delay && out.Delay == 0 {
		return out, errors.New(`a delay fault needs "delay", like "5s"`)
	}
	return out, nil
}

// faulter is what simulators offer beyond wallettest.Simulator to clear
// standing faults.
type faulter interface{ Faults() *wallettest.Faults }

func controlHandler(sims Sims, state func() State) http.Handler {
	mux := http.NewServeMux()
	sim := func(w http.ResponseWriter, r *http.Request) (wallettest.Simulator, bool) {
		s, ok := sims[r.PathValue("name")]
		if !ok {
			httpError(w, http.StatusNotFound, fmt.Sprintf("no wallet %q: use one of %s", r.PathValue("name"), strings.Join(sims.names(), ", ")))
		}
		return s, ok
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("GET /v1/wallets", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, state())
	})
	mux.HandleFunc("POST /v1/wallets/{name}/codes", func(w http.ResponseWriter, r *http.Request) {
		if s, ok := sim(w, r); ok {
			writeJSON(w, http.StatusOK, map[string]string{"code": s.IssueCode()})
		}
	})
	mux.HandleFunc("POST /v1/wallets/{name}/faults", func(w http.ResponseWriter, r *http.Request) {
		s, ok := sim(w, r)
		if !ok {
			return
		}
		var req FaultRequest
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			httpError(w, http.StatusBadRequest, "body must be {\"call\":\"pay\",\"faults\":[{\"kind\":\"delay\",\"delay\":\"5s\"}]}: "+err.Error())
			return
		}
		var faults []wallettest.Fault
		for _, spec := range req.Faults {
			f, err := spec.fault()
			if err != nil {
				httpError(w, http.StatusBadRequest, err.Error())
				return
			}
			faults = append(faults, f)
		}
		if len(faults) == 0 {
			httpError(w, http.StatusBadRequest, "no faults given: add at least one to \"faults\"")
			return
		}
		s.Inject(req.Call, faults...)
		writeJSON(w, http.StatusOK, map[string]int{"queued": len(faults)})
	})
	mux.HandleFunc("DELETE /v1/wallets/{name}/faults", func(w http.ResponseWriter, r *http.Request) {
		s, ok := sim(w, r)
		if !ok {
			return
		}
		f, ok := s.(faulter)
		if !ok {
			httpError(w, http.StatusNotImplemented, s.Name()+"'s simulator cannot clear its faults")
			return
		}
		f.Faults().Clear()
		writeJSON(w, http.StatusOK, map[string]bool{"cleared": true})
	})
	mux.HandleFunc("GET /v1/wallets/{name}/ledger", func(w http.ResponseWriter, r *http.Request) {
		if s, ok := sim(w, r); ok {
			charges := s.Ledger()
			if charges == nil {
				charges = []wallettest.Charge{}
			}
			writeJSON(w, http.StatusOK, map[string]any{"charges": charges})
		}
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// serveControl listens on addr (loopback only), writes the state file and
// serves the control API until ctx ends.
func serveControl(ctx context.Context, addr, stateDir string, sims Sims, stdout io.Writer, log *slog.Logger, ready chan<- State) error {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return fmt.Errorf("-listen %q: the control API must listen on loopback, like 127.0.0.1:0", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("-listen %s: %w", addr, err)
	}
	st, err := sims.state("http://"+ln.Addr().String(), os.Getpid())
	if err != nil {
		ln.Close()
		return err
	}
	if stateDir != "" {
		if err := writeState(stateDir, st); err != nil {
			ln.Close()
			return err
		}
	}
	srv := &http.Server{
		Handler:           controlHandler(sims, func() State { return st }),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "walletsim: control API on %s\n", st.Control)
	for _, name := range sims.names() {
		fmt.Fprintf(stdout, "walletsim: %s on %s\n", name, st.Wallets[name].BaseURL)
	}
	if ready != nil {
		ready <- st
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// writeState writes walletsim.json and providers.toml atomically, so a
// test polling for the file never reads half of it.
func writeState(dir string, st State) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("-state-dir %s: %w", dir, err)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{"providers.toml": []byte(st.ProvidersTOML), "walletsim.json": b} {
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, data, 0o600); err != nil {
			return fmt.Errorf("-state-dir %s: %w", dir, err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("-state-dir %s: %w", dir, err)
		}
	}
	return nil
}
