package requestview

import "xiaofu/app/ui"

// NewWithDo builds the flow with do in place of fyne.Do, so a test runs the
// screen's updates on its own goroutine, in order.
func NewWithDo(nav ui.Nav, svc Service, do func(func())) *Flow { return newFlow(nav, svc, do) }

// LookupWithDo is Lookup with do in place of fyne.Do.
var LookupWithDo = lookup
