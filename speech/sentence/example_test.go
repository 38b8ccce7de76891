package sentence_test

import (
	"fmt"

	"xiaofu/speech/sentence"
)

func ExampleCutter() {
	c := sentence.New()
	for _, delta := range []string{"您好！营业", "执照在一楼3号窗", "口办理。请带", "好身份证"} {
		for _, s := range c.Push(delta) {
			fmt.Println("speak:", s)
		}
	}
	fmt.Println("speak:", c.Flush())
	// Output:
	// speak: 您好！
	// speak: 营业执照在一楼3号窗口办理。
	// speak: 请带好身份证
}
