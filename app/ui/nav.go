package ui

import "fyne.io/fyne/v2"

// Nav is how a screen moves the kiosk along. app/kiosk implements it; screens
// in sub-packages receive it so they never reach for the window themselves.
// All methods must be called on the Fyne goroutine (inside fyne.Do when the
// caller is a background goroutine).
type Nav interface {
	// Push shows content as a new screen with a title and a back button.
	Push(title string, content fyne.CanvasObject)
	// Back returns to the previous screen.
	Back()
	// Home returns to the home screen without ending the visit.
	Home()
	// Say has the digital human speak a short line (shown as a caption too).
	Say(text string)
	// Celebrate shows the avatar's happy state (a request submitted, a policy
	// matched); Sorry shows its apologetic one.
	Celebrate()
	Sorry()
	// Touch tells the kiosk the visitor is still there (resets the idle timer).
	Touch()
}
