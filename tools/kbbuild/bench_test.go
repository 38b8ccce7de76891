package main

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkBuildSharedData measures one conversion of the real data (about
// 4,900 records) without the import check.
func BenchmarkBuildSharedData(b *testing.B) {
	dataDir := filepath.Join(repoRoot(), "..", "shared", "data")
	if _, err := os.Stat(filepath.Join(dataDir, srcGovQA)); err != nil {
		b.Skipf("shared data not present: %v", err)
	}
	authored := filepath.Join(repoRoot(), "tools", "kbbuild", "authored")
	b.ReportAllocs()
	for b.Loop() {
		res, err := build(config{DataDir: dataDir, AuthoredDir: authored, Generated: fixedTime})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(res.Snapshot)))
	}
}

// BenchmarkCleanText measures cleaning one typical crawled answer.
func BenchmarkCleanText(b *testing.B) {
	s := "第一步：打开北京市民政局官网，在政务服务下点击【养老服务津贴补贴】项;\u3000;第二步：进入登记申请页面，选中【高龄老人津贴】项，填写身份证号后，点击【登记申请】按钮即可&gt;&gt;提交。\u3000注意：带红色星号的为必填项目"
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		cleanText(s)
	}
}
