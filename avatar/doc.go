// Package avatar is 小服, the service hall's digital human: an original
// cartoon character drawn in code from Fyne's canvas shapes, in layers that
// move on their own (body, head, eyes, brows, mouth, arms), with eight
// states the conversation engine sets (attract, idle, listening, thinking,
// speaking, happy, sorry, goodbye) and lip-sync driven by the level of the
// audio played and by the pinyin of the text spoken.
//
// The maths (easing, blink timing, glances, arm joints, pose blending, level
// smoothing, pinyin to mouth shape) are pure functions with table tests; the
// widget only turns poses into shapes and shapes into cached pictures, and
// draws a frame only when the picture changed, so that it stays within its
// CPU budget under software GL.
package avatar
