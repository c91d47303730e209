package statuspage

import (
	"context"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/report"
	"github.com/scanpay/scanpay/scanner"
)

// lanedSource is a Source with configured lanes, as the engine is.
type lanedSource struct {
	Source
	lanes []string
}

func (s lanedSource) Lanes() []string { return s.lanes }
func (lanedSource) DailyReport(context.Context, string) (report.Daily, error) {
	return report.Daily{}, nil
}
func (lanedSource) Health() edge.Health { return edge.Health{OK: true} }
func (lanedSource) Search(context.Context, edge.Query) ([]edge.PaymentView, error) {
	return nil, nil
}

type oneScanner struct{}

func (oneScanner) Status() []scanner.DeviceStatus {
	return []scanner.DeviceStatus{{Device: "front", Kind: "serial", Lane: "AB1", Connected: true}}
}

// A configured lane whose POS sends the codes itself has no scanner: the
// page lists it all the same, saying so, beside the lanes with scanners.
func TestPageListsConfiguredLanesWithoutScanners(t *testing.T) {
	p, err := New(Options{Source: lanedSource{lanes: []string{"AB1", "CD2"}}, Devices: oneScanner{}})
	if err != nil {
		t.Fatal(err)
	}
	v := p.base(langEN, &session{id: "s", csrf: "c", operator: "o"}, nil)
	p.fill(context.Background(), &v)
	var names []string
	for _, l := range v.Lanes {
		names = append(names, l.Name)
	}
	if strings.Join(names, ",") != "AB1,CD2" {
		t.Fatalf("lanes on the page: %v, want AB1,CD2", names)
	}
	var b strings.Builder
	if err := p.tmpl.ExecuteTemplate(&b, "index", v); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if !strings.Contains(html, "front") || !strings.Contains(html, p.cat.text(langEN, "lane_no_scanner")) {
		t.Errorf("the page does not show lane AB1's scanner and lane CD2 without one:\n%s", html)
	}
}
