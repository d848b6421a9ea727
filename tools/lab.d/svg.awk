# A horizontal bar chart as SVG, by hand (the box has no plotting tools).
# Input, "|"-separated:  TITLE|text   PANEL|title|log or lin   BAR|label|median|p10|p90|colour
# Each panel gets its own axis; bars show the median, a whisker p10..p90.
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
# log10 and 10^d by hand: busybox awk may be built without math support.
function lg(x,   e, f, k, bit) {
	if (x <= 0) return 0
	e = 0
	while (x >= 10) { x /= 10; e++ }
	while (x < 1) { x *= 10; e-- }
	f = 0; bit = 0.5
	for (k = 0; k < 24; k++) { x = x * x; if (x >= 10) { x /= 10; f += bit } bit /= 2 }
	return e + f
}
function p10(d,   r) {
	r = 1
	while (d > 0) { r *= 10; d-- }
	while (d < 0) { r /= 10; d++ }
	return r
}
function xpos(p, v,   lo, hi) {
	lo = pmin[p]; hi = pmax[p]
	if (pscale[p] == "log") {
		if (v <= 0) v = p10(lo)
		return X0 + (lg(v) - lo) / (hi - lo) * W
	}
	return X0 + v / hi * W
}
function nice(x,   e, f) { # a round number >= x for a linear axis
	if (x <= 0) return 1
	e = p10(int(lg(x))); f = x / e
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e
}
BEGIN { X0 = 330; W = 520; np = 0; title = "" }
$1 == "TITLE" { title = $2; next }
$1 == "PANEL" { np++; ptitle[np] = $2; pscale[np] = $3; nb[np] = 0; next }
$1 == "BAR" && np > 0 && $3 != "n/a" && $3 != "" {
	b = ++nb[np]; lab[np, b] = $2; med[np, b] = $3 + 0
	lo10[np, b] = ($4 == "" || $4 == "n/a") ? $3 : $4; hi90[np, b] = ($5 == "" || $5 == "n/a") ? $3 : $5
	col[np, b] = $6
}
END {
	y = 40
	for (p = 1; p <= np; p++) {
		mx = 0; mn = -1
		for (b = 1; b <= nb[p]; b++) {
			if (hi90[p, b] > mx) mx = hi90[p, b]
			if (lo10[p, b] > 0 && (mn < 0 || lo10[p, b] < mn)) mn = lo10[p, b]
		}
		if (pscale[p] == "log") {
			pmin[p] = (mn > 0) ? int(lg(mn)) - (lg(mn) < 0 ? 1 : 0) : 0
			pmax[p] = (mx > 0) ? int(lg(mx)) + 1 : 1
			if (pmax[p] <= pmin[p]) pmax[p] = pmin[p] + 1
		} else {
			pmin[p] = 0; pmax[p] = nice(mx * 1.05)
		}
		ptop[p] = y; y += 28 + nb[p] * 30 + 34
	}
	H = y + 10
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", H
	printf "<rect width=\"900\" height=\"%d\" fill=\"white\"/>\n", H
	printf "<text x=\"450\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">%s</text>\n", esc(title)
	for (p = 1; p <= np; p++) {
		y = ptop[p]
		printf "<text x=\"10\" y=\"%d\" font-size=\"13\" font-weight=\"bold\">%s</text>\n", y + 16, esc(ptitle[p])
		top = y + 26; bottom = top + nb[p] * 30
		# grid and tick labels
		if (pscale[p] == "log") {
			for (d = pmin[p]; d <= pmax[p]; d++) tick(p, p10(d), top, bottom)
		} else {
			step = pmax[p] / 5
			for (k = 0; k <= 5; k++) tick(p, k * step, top, bottom)
		}
		for (b = 1; b <= nb[p]; b++) {
			by = top + (b - 1) * 30 + 5
			x1 = xpos(p, med[p, b]); xs = X0
			printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", X0 - 8, by + 15, esc(lab[p, b])
			printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"20\" fill=\"%s\"/>\n", xs, by, (x1 > xs ? x1 - xs : 1), col[p, b]
			wl = xpos(p, lo10[p, b]); wh = xpos(p, hi90[p, b])
			printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n", wl, by + 10, wh, by + 10
			printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n", wl, by + 5, wl, by + 15
			printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n", wh, by + 5, wh, by + 15
			printf "<text x=\"%.1f\" y=\"%d\">%s</text>\n", (wh > x1 ? wh : x1) + 6, by + 15, fmt(med[p, b])
		}
	}
	print "</svg>"
}
function fmt(v) { return (v >= 100 || v == int(v)) ? sprintf("%d", v + 0.5) : sprintf("%.1f", v) }
function tick(p, v, top, bottom,   x) {
	x = xpos(p, v)
	printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", x, top, x, bottom
	printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n", x, bottom + 14, fmt(v)
}
