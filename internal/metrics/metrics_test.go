package metrics

import (
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// scans gathers scanpay_scans_total{kind="payment"} by lane.
func scans(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "scanpay_scans_total" {
			continue
		}
		for _, s := range mf.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "lane" {
					out[l.GetValue()] += s.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// TestLaneLabelsAreBounded: the lane label takes at most the configured
// lanes, or MaxLaneLabels lanes when none are configured, plus OtherLane,
// however many terminal_ids the POS sends; no scan goes uncounted.
func TestLaneLabelsAreBounded(t *testing.T) {
	t.Run("configured", func(t *testing.T) {
		m := New(Build{}, "", []string{"AB1", "AB2"})
		for _, lane := range []string{"AB1", "ZZ9", "AB1", "other", "AB2", "YY8"} {
			m.Scan(lane, "payment")
		}
		got, want := scans(t, m), map[string]float64{"AB1": 2, "AB2": 1, OtherLane: 3}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("scans by lane = %v; want %v", got, want)
		}
	})
	t.Run("none configured", func(t *testing.T) {
		m := New(Build{}, "", nil)
		for i := range MaxLaneLabels + 10 {
			m.Scan(fmt.Sprintf("L%03d", i), "payment")
		}
		m.Scan("L000", "payment") // a lane named before stays named
		m.Scan("L070", "payment") // one that was not stays other
		got := scans(t, m)
		if len(got) != MaxLaneLabels+1 || got["L000"] != 2 || got["L063"] != 1 || got["L064"] != 0 || got[OtherLane] != 11 {
			t.Errorf("%d lane labels: L000 %v, L063 %v, L064 %v, %s %v; want %d labels, 2, 1, 0 and 11",
				len(got), got["L000"], got["L063"], got["L064"], OtherLane, got[OtherLane], MaxLaneLabels+1)
		}
	})
}
