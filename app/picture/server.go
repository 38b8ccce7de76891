package picture

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrExpired is returned by Session.Offer when the session has ended, timed
// out or already holds a picture.
var ErrExpired = errors.New("upload session expired")

// errNotStarted is returned by NewSession before Start has bound the port.
var errNotStarted = errors.New("upload server not started")

// Config sets up the upload server. The zero value of each field has a
// sensible default.
type Config struct {
	// Addr is the listening address (default ":8765", every interface, so
	// phones on the hall Wi-Fi reach it).
	Addr string
	// PublicURL is how phones reach the kiosk, e.g. "http://192.168.1.20:8765".
	// Empty: the listening address if it names a host, else the kiosk's first
	// private IPv4 address with the bound port.
	PublicURL string
	// TTL is how long an upload link waits for its picture (default 10 min).
	TTL time.Duration
	// Hall names the hall on the phone's page title.
	Hall string
	// Picture sets the limits and the shrinking.
	Picture Options
	// Logger receives the server's events; nil discards them. Tokens and
	// picture contents are never logged.
	Logger *slog.Logger
}

// Server is the kiosk's one-time upload page. Start binds and serves, Close
// stops serving and ends every session (wiping its picture). Safe for
// concurrent use.
type Server struct {
	cfg  Config
	log  *slog.Logger
	page *template.Template
	// decode lets one picture decode at a time: two cores, and the kiosk's
	// animation must keep its share.
	decode chan struct{}

	mu       sync.Mutex
	sessions map[string]*Session
	base     string
	srv      *http.Server
	done     chan struct{}
	wg       sync.WaitGroup
}

//go:embed upload.html
var uploadHTML string

// NewServer returns a server that is not yet listening.
func NewServer(cfg Config) *Server {
	if cfg.Addr == "" {
		cfg.Addr = ":8765"
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 10 * time.Minute
	}
	if cfg.Hall == "" {
		cfg.Hall = "企业综合服务中心"
	}
	cfg.Picture = cfg.Picture.withDefaults()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{
		cfg:      cfg,
		log:      log.With("component", "picture.upload"),
		page:     template.Must(template.New("upload").Parse(uploadHTML)),
		decode:   make(chan struct{}, 1),
		sessions: map[string]*Session{},
	}
}

// Start binds the listening address and serves in the background until
// Close is called or ctx is done. It returns the bind error, if any.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("upload server: listen: %w", err)
	}
	base, err := publicBase(s.cfg.PublicURL, ln.Addr().(*net.TCPAddr))
	if err != nil {
		ln.Close()
		return fmt.Errorf("upload server: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /u/{token}", s.serveForm)
	mux.HandleFunc("POST /u/{token}", s.serveUpload)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.render(w, http.StatusNotFound, pageData{Title: "链接无效", Error: msgGone})
	})
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		// A 10 MB photo over a busy hall Wi-Fi can take a minute.
		ReadTimeout:    3 * time.Minute,
		WriteTimeout:   3 * time.Minute,
		IdleTimeout:    time.Minute,
		MaxHeaderBytes: 16 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	s.base, s.srv, s.done = base, srv, make(chan struct{})
	done := s.done
	s.mu.Unlock()

	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve stopped", "err", err)
		}
	}()
	go func() {
		defer s.wg.Done()
		select {
		case <-ctx.Done():
			s.shutdown()
		case <-done:
		}
	}()
	s.log.Info("upload server listening", "addr", ln.Addr().String(), "base", base)
	return nil
}

// BaseURL is the address phones use, e.g. "http://192.168.1.20:8765"; empty
// before Start.
func (s *Server) BaseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.base
}

// Close stops serving, ends every session and waits for the server's
// goroutines. It is safe to call more than once.
func (s *Server) Close() error {
	err := s.shutdown()
	s.wg.Wait()
	return err
}

func (s *Server) shutdown() error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.srv = nil
	s.mu.Unlock()
	s.EndAll()
	if srv == nil {
		return nil
	}
	close(done)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
		return fmt.Errorf("upload server: shutdown: %w", err)
	}
	return nil
}

// EndAll ends every open session and wipes their pictures, for when the visit
// is reset.
func (s *Server) EndAll() {
	s.mu.Lock()
	all := make([]*Session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		all = append(all, ss)
	}
	s.mu.Unlock()
	for _, ss := range all {
		ss.End()
	}
}

// NewSession opens a one-time upload link with a fresh 128-bit random token.
// The caller shows Session.URL as a QR code, waits on Session.Pictures and
// calls Session.End when the visitor is done or leaves.
func (s *Server) NewSession() (*Session, error) {
	var raw [16]byte
	rand.Read(raw[:]) // never fails (crypto/rand since Go 1.24)
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return nil, fmt.Errorf("new session: %w", errNotStarted)
	}
	ss := &Session{
		srv:      s,
		token:    token,
		url:      s.base + "/u/" + token,
		expires:  time.Now().Add(s.cfg.TTL),
		pictures: make(chan Picture, 1),
		state:    stateOpen,
	}
	ss.timer = time.AfterFunc(s.cfg.TTL, ss.expire)
	s.sessions[token] = ss
	return ss, nil
}

func (s *Server) lookup(token string) *Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[token]
}

func (s *Server) forget(token string) {
	s.mu.Lock()
	delete(s.sessions, token)
	s.mu.Unlock()
}

type sessionState int

const (
	stateOpen      sessionState = iota // waiting for a picture
	stateReceiving                     // a picture is being decoded
	stateDelivered                     // holds a picture
	stateExpired                       // timed out with no picture
	stateEnded                         // ended by the kiosk; picture wiped
)

// Session is one upload link: it accepts one picture, from the phone page or
// from Offer, and delivers it on Pictures. Safe for concurrent use.
type Session struct {
	srv      *Server
	token    string
	url      string
	expires  time.Time
	pictures chan Picture
	timer    *time.Timer

	mu    sync.Mutex
	state sessionState
	held  Picture
}

// URL is the one-time link to show as a QR code.
func (ss *Session) URL() string { return ss.url }

// Expires is when the link stops accepting a picture if none has come.
func (ss *Session) Expires() time.Time { return ss.expires }

// Pictures delivers the session's one picture and is then closed. It is
// closed without a picture when the link expires or the session ends first.
func (ss *Session) Pictures() <-chan Picture { return ss.pictures }

// Offer gives the session a picture from another source (the kiosk's
// camera), checked and shrunk like an upload. It returns ErrExpired if the
// session no longer accepts one, or Shrink's error.
func (ss *Session) Offer(data []byte, src Source) error {
	if !ss.claim() {
		return fmt.Errorf("offer: %w", ErrExpired)
	}
	pic, err := ss.srv.shrink(data, src)
	if err != nil {
		ss.release()
		return fmt.Errorf("offer: %w", err)
	}
	if !ss.deliver(pic) {
		return fmt.Errorf("offer: %w", ErrExpired)
	}
	return nil
}

// End closes the link and wipes the picture: its bytes are zeroed in place,
// so the Picture the kiosk received reads as zeros afterwards. Safe to call
// more than once and from any goroutine.
func (ss *Session) End() {
	ss.timer.Stop()
	ss.mu.Lock()
	prev := ss.state
	ss.state = stateEnded
	ss.held.wipe()
	ss.mu.Unlock()
	if prev == stateOpen || prev == stateReceiving {
		close(ss.pictures)
	}
	ss.srv.forget(ss.token)
}

func (ss *Session) expire() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.state != stateOpen {
		// Delivered pictures are held until End; a decode in progress
		// finishes and is delivered late rather than lost.
		return
	}
	ss.state = stateExpired
	close(ss.pictures)
}

func (ss *Session) claim() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.state != stateOpen {
		return false
	}
	ss.state = stateReceiving
	return true
}

func (ss *Session) release() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.state != stateReceiving {
		return
	}
	ss.state = stateOpen
	if time.Now().After(ss.expires) {
		ss.state = stateExpired
		close(ss.pictures)
	}
}

func (ss *Session) deliver(pic Picture) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.state != stateReceiving {
		pic.wipe() // ended while decoding
		return false
	}
	ss.state = stateDelivered
	ss.held = pic
	ss.pictures <- pic // buffered, never blocks
	close(ss.pictures)
	ss.timer.Stop()
	return true
}

func (ss *Session) current() sessionState {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.state
}

func (s *Server) shrink(data []byte, src Source) (Picture, error) {
	s.decode <- struct{}{}
	defer func() { <-s.decode }()
	start := time.Now()
	pic, err := Shrink(data, src, s.cfg.Picture)
	if err != nil {
		s.log.Info("picture refused", "source", src, "bytes", len(data), "err", err)
		return Picture{}, err
	}
	s.log.Info("picture received", "source", src, "format", pic.Original, "bytes", len(data),
		"width", pic.OriginalWidth, "height", pic.OriginalHeight, "jpeg_bytes", len(pic.JPEG),
		"ms", time.Since(start).Milliseconds())
	return pic, nil
}

// What the phone shows. Plain words: the visitor is standing at a kiosk with
// a phone in hand.
const (
	msgGone      = "链接已失效。请在一体机上点“重新生成二维码”，再用手机扫码。"
	msgUsed      = "图片已收到，请回到一体机屏幕上核对。如需重拍，请在一体机上点“重拍”。"
	msgDone      = "上传成功！请回到一体机屏幕上核对识别结果。"
	msgNone      = "没有收到图片，请先拍照或选择一张图片。"
	msgBusy      = "图片正在上传，请稍候。"
	msgNotPic    = "这个文件不是图片，或者图片已损坏。请拍照，或选择 JPG、PNG 格式的图片。"
	msgPixels    = "图片尺寸过大，无法处理。请用手机相机直接拍照上传。"
	msgHEIC      = "暂不支持这种图片格式。请在手机相机设置里选择“兼容性最佳”后重拍，或截屏后上传截图。"
	msgBadUpload = "上传没有完成，请重试。"
)

func msgTooLarge(maxBytes int64) string {
	return fmt.Sprintf("图片太大了（超过 %d MB）。请重新拍一张，或选择较小的图片。", maxBytes>>20)
}

type pageData struct {
	Hall, Title, Error, Done string
	Form                     bool
	Action                   string
	MaxBytes                 int64
	MaxMB                    int64
	Minutes                  int
	Nonce                    string
}

func (s *Server) render(w http.ResponseWriter, status int, d pageData) {
	var nonce [12]byte
	rand.Read(nonce[:])
	d.Nonce = base64.RawStdEncoding.EncodeToString(nonce[:])
	d.Hall = s.cfg.Hall
	d.MaxBytes = s.cfg.Picture.MaxBytes
	d.MaxMB = s.cfg.Picture.MaxBytes >> 20
	d.Minutes = int(s.cfg.TTL.Minutes())
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The token is in the URL: keep it out of caches and Referer headers.
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-"+d.Nonce+"'; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	if err := s.page.Execute(w, d); err != nil {
		s.log.Debug("render page", "err", err)
	}
}

func (s *Server) formPage(token, errMsg string) pageData {
	return pageData{Title: "上传图片", Form: true, Action: "/u/" + url.PathEscape(token), Error: errMsg}
}

func (s *Server) serveForm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	ss := s.lookup(token)
	if ss == nil {
		s.render(w, http.StatusNotFound, pageData{Title: "链接已失效", Error: msgGone})
		return
	}
	switch ss.current() {
	case stateOpen:
		s.render(w, http.StatusOK, s.formPage(token, ""))
	case stateReceiving:
		s.render(w, http.StatusConflict, pageData{Title: "正在上传", Done: msgBusy})
	case stateDelivered:
		s.render(w, http.StatusGone, pageData{Title: "图片已收到", Done: msgUsed})
	default:
		s.render(w, http.StatusGone, pageData{Title: "链接已失效", Error: msgGone})
	}
}

func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	ss := s.lookup(token)
	if ss == nil {
		s.render(w, http.StatusNotFound, pageData{Title: "链接已失效", Error: msgGone})
		return
	}
	if st := ss.current(); st != stateOpen {
		s.serveForm(w, r)
		return
	}
	maxBytes := s.cfg.Picture.MaxBytes
	// The multipart envelope adds headers and, from the two-button form, an
	// empty second part: allow a little over the picture's own limit.
	limit := maxBytes + 64<<10
	if r.ContentLength > limit {
		// Refuse before reading 100 MB of someone's video.
		w.Header().Set("Connection", "close")
		s.render(w, http.StatusRequestEntityTooLarge, s.formPage(token, msgTooLarge(maxBytes)))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	data, err := readPicturePart(r, maxBytes)
	switch {
	case errors.Is(err, ErrTooLarge):
		w.Header().Set("Connection", "close")
		s.render(w, http.StatusRequestEntityTooLarge, s.formPage(token, msgTooLarge(maxBytes)))
		return
	case errors.Is(err, errNoFile):
		s.render(w, http.StatusBadRequest, s.formPage(token, msgNone))
		return
	case err != nil:
		s.log.Info("upload failed", "err", err)
		s.render(w, http.StatusBadRequest, s.formPage(token, msgBadUpload))
		return
	}
	defer clear(data) // the original, with its EXIF and GPS, goes at once
	if !ss.claim() {
		s.serveForm(w, r)
		return
	}
	pic, err := s.shrink(data, FromPhone)
	if err != nil {
		ss.release()
		msg, status := msgNotPic, http.StatusUnsupportedMediaType
		switch {
		case errors.Is(err, ErrTooLarge):
			msg, status = msgTooLarge(maxBytes), http.StatusRequestEntityTooLarge
		case errors.Is(err, ErrTooManyPixels):
			msg, status = msgPixels, http.StatusUnprocessableEntity
		case errors.Is(err, ErrUnsupported):
			msg = msgHEIC
		}
		s.render(w, status, s.formPage(token, msg))
		return
	}
	if !ss.deliver(pic) {
		s.render(w, http.StatusGone, pageData{Title: "链接已失效", Error: msgGone})
		return
	}
	s.render(w, http.StatusOK, pageData{Title: "上传成功", Done: msgDone})
}

var errNoFile = errors.New("no file in the form")

// readPicturePart streams the multipart body and returns the first non-empty
// file part, refusing more than maxBytes. The phone's file name and
// Content-Type are ignored; Shrink sniffs the bytes.
func readPicturePart(r *http.Request, maxBytes int64) ([]byte, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, errNoFile
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, ErrTooLarge
			}
			return nil, fmt.Errorf("read upload: %w", err)
		}
		if p.FileName() == "" {
			p.Close()
			continue
		}
		data, err := io.ReadAll(io.LimitReader(p, maxBytes+1))
		p.Close()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, ErrTooLarge
			}
			return nil, fmt.Errorf("read upload: %w", err)
		}
		if int64(len(data)) > maxBytes {
			return nil, ErrTooLarge
		}
		if len(data) == 0 {
			continue // the form's other, unused button
		}
		return data, nil
	}
}

// publicBase works out the URL phones use to reach the listener.
func publicBase(configured string, addr *net.TCPAddr) (string, error) {
	if configured != "" {
		u, err := url.Parse(configured)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", fmt.Errorf("public url %q: want e.g. http://192.168.1.20:8765", configured)
		}
		return strings.TrimRight(configured, "/"), nil
	}
	port := strconv.Itoa(addr.Port)
	if !addr.IP.IsUnspecified() {
		return "http://" + net.JoinHostPort(addr.IP.String(), port), nil
	}
	ip := lanIPv4()
	if ip == nil {
		return "", errors.New("no network address for phones to reach: set PublicURL")
	}
	return "http://" + net.JoinHostPort(ip.String(), port), nil
}

// lanIPv4 picks the kiosk's address on the hall network: the first private
// IPv4 address of an interface that is up, else any non-loopback IPv4.
func lanIPv4() net.IP {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var fallback net.IP
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			n, ok := a.(*net.IPNet)
			if !ok || n.IP.To4() == nil || n.IP.IsLoopback() || n.IP.IsLinkLocalUnicast() {
				continue
			}
			if n.IP.IsPrivate() {
				return n.IP.To4()
			}
			if fallback == nil {
				fallback = n.IP.To4()
			}
		}
	}
	return fallback
}
