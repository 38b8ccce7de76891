package picture

import "strings"

// creditCodeChars are the 31 characters of a unified social credit code in
// value order (GB 32100-2015: digits and capitals without I, O, Z, S, V).
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeValid reports whether code is 18 characters from the code's
// alphabet with a correct check character. A vision model misreading one
// character (8 for B, 0 for D) almost always fails this check, which is why
// the confirmation screen points the visitor at the code when it does.
func creditCodeValid(code string) bool {
	if len(code) != 18 {
		return false
	}
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeChars, code[i])
		if v < 0 {
			return false
		}
		sum += v * w
		w = w * 3 % 31
	}
	check := (31 - sum%31) % 31
	return code[17] == creditCodeChars[check]
}
