package config

import (
	"fmt"
	"time"
	_ "time/tzdata" // time_zone names resolve on a PC without a zone database (Windows)

	"github.com/scanpay/scanpay/edge/report"
)

// Report is the [report] table: the store's business day.
type Report struct {
	// DayStarts is "HH:MM": a store that closes at 2 am sets "02:00", so
	// that its night's sales count in the day before. Default "00:00".
	DayStarts string `toml:"day_starts"`
	// TimeZone is an IANA zone name such as "Asia/Taipei"; default the
	// PC's own.
	TimeZone string `toml:"time_zone"`
}

// Resolve is the report.Config this table means; errors name the key.
func (r Report) Resolve() (report.Config, error) {
	var c report.Config
	if r.DayStarts != "" {
		d, err := report.ParseDayStarts(r.DayStarts)
		if err != nil {
			return c, err
		}
		c.DayStarts = d
	}
	if r.TimeZone != "" && r.TimeZone != "Local" {
		loc, err := time.LoadLocation(r.TimeZone)
		if err != nil {
			return c, fmt.Errorf("time_zone = %q is not a time zone: use an IANA name such as \"Asia/Taipei\", or remove it for the PC's own", r.TimeZone)
		}
		c.Location = loc
	}
	return c, nil
}
