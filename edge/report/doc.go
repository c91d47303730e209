// Package report turns the journal's payments of a time range into what a
// store closes its day with: totals per wallet and per lane (count, gross,
// refunds, net) for one business day, and the rows a reconciler matches
// against the wallets' settlement reports (CSV).
//
// It owns the business day (a store that closes at 2 am counts 00:00–02:00
// into the day before: Config.DayStarts, in Config.Location), the parsing
// of the dates and times a manager types, and the CSV's columns. It reads
// payments only through Source (the journal's creation-time index), never
// scans the whole journal, and never writes. It must not know HTTP or the
// command line, and never outputs a full payment code.
package report
