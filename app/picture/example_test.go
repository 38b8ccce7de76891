package picture_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"

	"xiaofu/app/picture"
	"xiaofu/app/picture/picturetest"
)

// visionFunc is a Vision made from a function, standing in for ChatVision or
// LLMVision here.
type visionFunc func(ctx context.Context, system, prompt, dataURL string) (string, error)

func (f visionFunc) Describe(ctx context.Context, system, prompt, dataURL string) (string, error) {
	return f(ctx, system, prompt, dataURL)
}

// The kiosk starts one server for its lifetime, opens a session per picture,
// shows the session's URL as a QR code, waits for the picture, reads it and
// ends the session when the visit ends.
func Example() {
	srv := picture.NewServer(picture.Config{Addr: "127.0.0.1:0"}) // ":8765" on a kiosk
	if err := srv.Start(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	session, _ := srv.NewSession()
	defer session.End() // wipes the picture

	// What the visitor's phone does after scanning the QR code.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, _ := mw.CreateFormFile("photo", "IMG_0001.jpg")
	part.Write(picturetest.Licence())
	mw.Close()
	resp, _ := http.Post(session.URL(), mw.FormDataContentType(), &body)
	resp.Body.Close()

	pic := <-session.Pictures()
	fmt.Println("received", pic.Width, "x", pic.Height, "from", pic.Source)

	vision := visionFunc(func(_ context.Context, _, _, dataURL string) (string, error) {
		if !strings.HasPrefix(dataURL, "data:image/jpeg;base64,") {
			return "", fmt.Errorf("no picture")
		}
		return `{"is_licence":true,"name":"杭州西溪云帆软件有限公司","credit_code":"91330106MA2H3K7Q2J","established":"2019年03月05日"}`, nil
	})
	lic, err := picture.ReadLicence(context.Background(), vision, pic)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range lic.Fields()[:5] {
		fmt.Printf("%s=%q", f.Label, f.Value)
		if f.Warning != "" {
			fmt.Printf(" (%s)", f.Warning)
		}
		fmt.Println()
	}
	// Output:
	// received 1280 x 905 from phone
	// 企业名称="杭州西溪云帆软件有限公司"
	// 统一社会信用代码="91330106MA2H3K7Q2J"
	// 法定代表人=""
	// 注册资本=""
	// 成立日期="2019-03-05"
}
