package normalize_test

import (
	"fmt"

	"xiaofu/speech/normalize"
)

func ExampleSpeech() {
	fmt.Println(normalize.Speech("**自2024年3月5日起**，最高补助500万元【政务问答-17】，咨询电话0571-87654321。"))
	// Output: 自二零二四年三月五日起，最高补助五百万元，咨询电话零五七一，八七六五四三二一。
}
