package profile_test

import (
	"fmt"

	"xiaofu/app/profile"
)

func ExampleParseSpoken() {
	p, heard := profile.ParseSpoken("我们是做软件的，三十来个人，去年营收两千万")
	fmt.Println(p["industry"], p["headcount"], p["revenue_wan"])
	for _, h := range heard {
		fmt.Printf("%s=%v approx=%v (%s)\n", h.Field, h.Value, h.Approx, h.Phrase)
	}
	// Output:
	// 软件和信息技术服务 30 2000
	// industry=软件和信息技术服务 approx=false (软件)
	// sectors=[软件和信息服务] approx=false (软件)
	// headcount=30 approx=true (三十来个人)
	// revenue_wan=2000 approx=false (去年营收两千万)
}

func ExampleParseCreditCode() {
	_, err := profile.ParseCreditCode("91350100M000100Y44")
	fmt.Println(err)
	c, _ := profile.ParseCreditCode("91350100M000100Y43")
	fmt.Println(c.Dept, c.Kind, c.Region, c.OrgCode)
	// Output:
	// 最后一位校验码应为“3”，实为“4”，可能有一位输错或两位顺序颠倒
	// 市场监管（工商） 企业 350100 M000100Y4
}
