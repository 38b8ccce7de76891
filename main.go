// Command xiaofu is the 小服 service-hall kiosk; `xiaofu help` lists its
// sub-commands.
package main

import (
	"os"

	"xiaofu/app"
)

func main() { os.Exit(app.Main(os.Args[1:])) }
