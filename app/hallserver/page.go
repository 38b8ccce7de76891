package hallserver

import (
	"errors"
	"html/template"
	"net/http"

	"xiaofu/app/request"
)

// The page a ticket's QR code opens on the visitor's phone: it asks for the
// last four digits of the phone, then shows the timeline. The real hall has
// its own; the stand-in's lets a demo scan the code and see something true.
var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{"label": request.StateLabel}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>诉求进度 {{.Ticket}}</title>
<style>body{font-family:sans-serif;margin:1.5em;color:#1f2937}h1{color:#123a78;font-size:1.4em}
li{margin:.6em 0}.muted{color:#5b6778}.err{color:#d23f3f}</style></head><body>
<h1>诉求进度 {{.Ticket}}</h1>
{{if .T}}
<p>状态：<b>{{label .T.State}}</b>{{if .T.Overdue}} <span class="err">（已超期）</span>{{end}}</p>
<p>承办部门：{{range $i, $d := .T.Departments}}{{if $i}}、{{end}}{{$d}}{{end}}</p>
<ol>{{range .T.Events}}<li>{{label .State}} <span class="muted">{{.At.Local.Format "01-02 15:04"}}</span><br>{{.Note}}</li>{{end}}</ol>
{{if .T.Rating}}<p>您的评价：{{.T.Rating.Score}} / 5 {{.T.Rating.Comment}}</p>{{end}}
{{else}}
{{if .Err}}<p class="err">{{.Err}}</p>{{end}}
<form method="get"><label>手机号后四位 <input name="phone4" inputmode="numeric" maxlength="4" pattern="[0-9]{4}" required></label>
<button type="submit">查询</button></form>
{{end}}
</body></html>`))

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	ticket := request.NormalizeTicket(r.PathValue("ticket"))
	data := struct {
		Ticket string
		T      *request.Ticket
		Err    string
	}{Ticket: ticket}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	p4 := r.URL.Query().Get("phone4")
	if p4 == "" {
		pageTmpl.Execute(w, data)
		return
	}
	rw, err := s.Store.load(r.Context(), ticket)
	if errors.Is(err, errNotFound) || (err == nil && (!request.ValidPhone4(p4) || rw.Phone4 != p4)) {
		w.WriteHeader(http.StatusNotFound)
		data.Err = "没有找到这张工单，请核对手机号后四位。"
		pageTmpl.Execute(w, data)
		return
	}
	if err != nil {
		s.internal(w, "page", err)
		return
	}
	t, err := s.view(r, rw.Ticket)
	if err != nil {
		s.internal(w, "page", err)
		return
	}
	data.T = &t
	pageTmpl.Execute(w, data)
}
