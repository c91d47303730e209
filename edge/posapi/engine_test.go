package posapi

import "github.com/scanpay/scanpay/edge"

// The engine the service wires in satisfies the interface declared here.
var _ Engine = (*edge.Engine)(nil)
