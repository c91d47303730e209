package logging

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/coreos/go-systemd/v22/journal"
	"gopkg.in/natefinch/lumberjack.v2"
)

// Defaults for keys the [log] table leaves out (0 or "").
const (
	DefaultMaxSizeMB  = 20
	DefaultMaxBackups = 10
	DefaultMaxAgeDays = 90
)

// Effective is c as a log file is written with it: level, rotation and
// format filled in (a file is JSON unless format = "text").
func (c Config) Effective() Config {
	if c.Level == "" {
		c.Level = "info"
	}
	if c.Format == "" {
		c.Format = "json"
	}
	c.MaxSizeMB = orDefault(c.MaxSizeMB, DefaultMaxSizeMB)
	c.MaxBackups = orDefault(c.MaxBackups, DefaultMaxBackups)
	c.MaxAgeDays = orDefault(c.MaxAgeDays, DefaultMaxAgeDays)
	return c
}

// Config is the [log] TOML table.
type Config struct {
	Level      string `toml:"level"`        // debug | info | warn | error; default info
	Format     string `toml:"format"`       // text | json; default text on a console, json in a file
	File       string `toml:"file"`         // log file; default <data_dir>/logs/scanpay.log when running as a service
	MaxSizeMB  int    `toml:"max_size_mb"`  // rotate after this many MB; default 20
	MaxBackups int    `toml:"max_backups"`  // rotated files kept; default 10
	MaxAgeDays int    `toml:"max_age_days"` // rotated files older than this are deleted; default 90
}

// Validate names the key and the fix.
func (c Config) Validate() error {
	if _, err := ParseLevel(c.Level); err != nil {
		return err
	}
	switch c.Format {
	case "", "text", "json":
	default:
		return fmt.Errorf("log.format = %q is not a format: set it to \"text\" or \"json\"", c.Format)
	}
	if c.MaxSizeMB < 0 || c.MaxBackups < 0 || c.MaxAgeDays < 0 {
		return fmt.Errorf("log.max_size_mb, log.max_backups and log.max_age_days must not be negative: use 0 for the default")
	}
	return nil
}

// ParseLevel reads a log.level value.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("log.level = %q is not a level: set it to debug, info, warn or error", s)
}

// Options says where the logger writes.
type Options struct {
	Config  Config
	Console io.Writer // the terminal (stderr) when running in the foreground; nil when running as a service
	Secrets *Secrets  // exact secrets to redact; may be nil
	Sandbox bool      // every line says mode=SANDBOX
	// Journal: write to journald (structured fields) instead of Console,
	// for a service under systemd; Config.File, if set, is written too.
	Journal bool

	send journalSend // tests: where journal entries go instead of journald
}

// New builds the logger. The returned io.Closer closes the log file, if one
// was opened. With a console and a log file both set, lines go to both.
func New(o Options) (*slog.Logger, io.Closer, error) {
	if err := o.Config.Validate(); err != nil {
		return nil, nil, err
	}
	level, _ := ParseLevel(o.Config.Level)
	hopts := &slog.HandlerOptions{Level: level}
	var handlers []slog.Handler
	var closer io.Closer = nopCloser{}
	if o.Journal {
		send := o.send
		if send == nil {
			send = journal.Send
		}
		handlers = append(handlers, newJournalHandler(level, send))
		o.Console = nil
	}
	if o.Console != nil {
		if o.Config.Format == "json" {
			handlers = append(handlers, slog.NewJSONHandler(o.Console, hopts))
		} else {
			handlers = append(handlers, slog.NewTextHandler(o.Console, hopts))
		}
	}
	if o.Config.File != "" {
		if err := os.MkdirAll(filepath.Dir(o.Config.File), 0o750); err != nil {
			return nil, nil, fmt.Errorf("log.file: cannot create the folder of %s: %w (create it or choose another log.file)", o.Config.File, err)
		}
		lj := &lumberjack.Logger{
			Filename:   o.Config.File,
			MaxSize:    orDefault(o.Config.MaxSizeMB, DefaultMaxSizeMB),
			MaxBackups: orDefault(o.Config.MaxBackups, DefaultMaxBackups),
			MaxAge:     orDefault(o.Config.MaxAgeDays, DefaultMaxAgeDays),
			Compress:   true,
		}
		closer = lj
		if o.Config.Format == "text" {
			handlers = append(handlers, slog.NewTextHandler(lj, hopts))
		} else {
			handlers = append(handlers, slog.NewJSONHandler(lj, hopts))
		}
	}
	var h slog.Handler
	switch len(handlers) {
	case 0:
		h = slog.NewTextHandler(io.Discard, hopts)
	case 1:
		h = handlers[0]
	default:
		h = slog.NewMultiHandler(handlers...)
	}
	logger := slog.New(NewMaskHandler(h, o.Secrets))
	if o.Sandbox {
		logger = logger.With("mode", "SANDBOX")
	}
	return logger, closer, nil
}

func orDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }
