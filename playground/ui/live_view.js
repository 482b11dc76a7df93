// The live main view on a canvas (playground/ui/live_view.py): draws the frames of
// playground/plots/canvas.py and moves between them at display rate.
//
// Between two frames a and b, at time t in [0, 1] of the move: each generated sample is at
// (1 − t)·xa + t·xb (the same fixed noise z gives sample i in both frames), the push arrows ride on
// their samples, the generator's map moves point by point, the critic's landscape cross-fades
// (alpha t over the old one) and, in 1D, the curves are blended on b's grid and the histogram is
// binned from the samples as drawn. The title names only steps the run reached (motionLabel).
// When the page sends a Plotly figure instead (a paused run: hover and zoom), it is drawn with
// plotly.js in the same place.
// The explained step's phases (plots/anatomy.py phase_frame) are frames with a few more fields: a
// fixed `title`, a fixed move time `glide`, `fake_set` (samples glide only between frames of the same
// set: in 2D a phase with other samples cross-fades instead), `radius`, per-point `scores` coloured on
// a scale of their own, faint `ghost` points, arrows from `push_at` (2D), the landscape `before` an
// update as dotted contours (2D; in 1D `right_before`, a dotted curve) and, in 1D, `rows`: the
// batches as rows of points under the density instead of a histogram.

const FRAME_MS = 1000 / 24;          // draw at most ~24 times a second while moving (benchmarks/results/live_view.md)
const MIN_MOVE = 0.15, MAX_MOVE = 2.0; // seconds a move may take

// loadPlotly(src): prepended by live_view.py from ui/live_chart.py (one loader for both components)

const fmt = (n) => Math.round(n).toLocaleString("en-US");

// The step label while moving from the frame of step a to the frame of step b (t in [0, 1]):
// only steps the run reached. At rest, or with nothing to move from, the frame's own step.
export function motionLabel(a, b, t) {
  if (a === null || a === undefined || a === b || t >= 1) return `step ${fmt(b)}`;
  return `steps ${fmt(a)} → ${fmt(b)}`;
}
window.__gpMotionLabel = motionLabel;  // for the tests (tests/test_browser.py)

// A scratch surface and its frozen image: drawImage from an ImageBitmap is a plain copy, while drawing
// from a <canvas> takes a snapshot of it on every call (1,000 samples a frame made 16,000 snapshots a second).
function surface(w, h) {
  if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(w, h);
  const c = document.createElement("canvas");
  c.width = w; c.height = h;
  return c;
}

function freeze(c) {
  return typeof c.transferToImageBitmap === "function" ? c.transferToImageBitmap() : c;
}

function decode(s) {
  if (!s) return new Float32Array(0);
  const bin = atob(s);
  const u = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
  return new Float32Array(u.buffer);
}

function parseColor(c) {
  if (c.startsWith("#")) return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
  const m = c.match(/[\d.]+/g).map(Number);
  return m.slice(0, 3);
}

function lut(scale) {  // 256 RGB entries from [[pos, colour], ...]
  const stops = scale.map(([p, c]) => [p, parseColor(c)]);
  const out = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const v = i / 255;
    let k = 0;
    while (k < stops.length - 2 && v > stops[k + 1][0]) k++;
    const [p0, c0] = stops[k], [p1, c1] = stops[k + 1];
    const f = p1 > p0 ? Math.min(1, Math.max(0, (v - p0) / (p1 - p0))) : 0;
    for (let j = 0; j < 3; j++) out[3 * i + j] = c0[j] + f * (c1[j] - c0[j]);
  }
  return out;
}

function niceTicks(lo, hi, n) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / Math.max(1, n);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Math.abs(v) < 1e-12 ? 0 : v);
  return out;
}

function tickText(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(1).replace("e", "e");
  return String(Number(v.toPrecision(4))).replace("-", "−");
}

// Marching squares: line segments of the level sets of z (ny × nx, row-major) in data coordinates.
function contours(z, nx, ny, gx0, gx1, gy0, gy1, levels) {
  const segs = [];
  const dx = (gx1 - gx0) / (nx - 1), dy = (gy1 - gy0) / (ny - 1);
  for (const L of levels) {
    for (let j = 0; j < ny - 1; j++) {
      for (let i = 0; i < nx - 1; i++) {
        const a = z[j * nx + i], b = z[j * nx + i + 1], c = z[(j + 1) * nx + i + 1], d = z[(j + 1) * nx + i];
        if (!(isFinite(a) && isFinite(b) && isFinite(c) && isFinite(d))) continue;
        const idx = (a > L) | ((b > L) << 1) | ((c > L) << 2) | ((d > L) << 3);
        if (idx === 0 || idx === 15) continue;
        const x = gx0 + i * dx, y = gy0 + j * dy;
        const e = [  // crossing points on the four edges: bottom, right, top, left
          [x + dx * (L - a) / (b - a), y], [x + dx, y + dy * (L - b) / (c - b)],
          [x + dx * (L - d) / (c - d), y + dy], [x, y + dy * (L - a) / (d - a)]];
        const pairs = {1: [[3, 0]], 2: [[0, 1]], 3: [[3, 1]], 4: [[1, 2]], 5: [[3, 0], [1, 2]], 6: [[0, 2]],
          7: [[3, 2]], 8: [[2, 3]], 9: [[0, 2]], 10: [[0, 1], [2, 3]], 11: [[1, 2]], 12: [[1, 3]], 13: [[0, 1]],
          14: [[3, 0]]}[idx];
        for (const [p, q] of pairs) segs.push(e[p][0], e[p][1], e[q][0], e[q][1]);
      }
    }
  }
  return new Float32Array(segs);
}

function lerpArrays(a, b, t, out) {  // b where a is missing or of another length
  if (!a || a.length !== b.length) { out.set(b); return out; }
  for (let i = 0; i < b.length; i++) {
    const u = a[i], v = b[i];
    out[i] = isFinite(u) && isFinite(v) ? u + (v - u) * t : v;
  }
  return out;
}

function resample(x, y, xs) {  // y(x) linearly at xs (x increasing); NaN outside
  const out = new Float32Array(xs.length);
  let k = 0;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (!(v >= x[0] && v <= x[x.length - 1])) { out[i] = NaN; continue; }
    while (k < x.length - 2 && x[k + 1] < v) k++;
    const f = x[k + 1] > x[k] ? (v - x[k]) / (x[k + 1] - x[k]) : 0;
    out[i] = y[k] + f * (y[k + 1] - y[k]);
  }
  return out;
}

class View {
  constructor(parent) {
    this.parent = parent;
    const root = document.createElement("div");
    root.className = "gp-live-view";
    root.innerHTML = `
      <div class="gp-lv-title"></div>
      <div class="gp-lv-main">
        <div class="gp-lv-body"><canvas class="gp-canvas"></canvas></div>
        <div class="gp-lv-side"><div class="gp-lv-sub"></div><div class="gp-lv-legend"></div><div class="gp-lv-note"></div></div>
      </div>
      <div class="gp-lv-plotly"></div>`;
    parent.appendChild(root);
    this.root = root;
    this.titleEl = root.querySelector(".gp-lv-title");
    this.mainEl = root.querySelector(".gp-lv-main");
    this.sideEl = root.querySelector(".gp-lv-side");
    this.subEl = root.querySelector(".gp-lv-sub");
    this.legendEl = root.querySelector(".gp-lv-legend");
    this.body = root.querySelector(".gp-lv-body");
    this.canvas = root.querySelector("canvas");
    this.plotlyDiv = root.querySelector(".gp-lv-plotly");
    this.noteEl = root.querySelector(".gp-lv-note");
    this.prev = null; this.next = null; this.t0 = 0; this.dur = 0.75; this.lastArrival = 0;
    this.frames = 0; this.draws = 0; this.raf = 0; this.timer = 0; this.lastDraw = 0; this.ema = null;
    this.mode = "canvas";
    this.ro = new ResizeObserver(() => this.layout());
    this.ro.observe(parent);
    // the page around it: content above that grows or shrinks moves a paused figure (its room to the
    // bottom); a moving canvas refits on every frame already, so only the Plotly mode listens
    this.pageRo = new ResizeObserver(() => { if (this.mode === "plotly") this.fitPlotly(); });
    const page = document.querySelector("[data-testid='stMainBlockContainer']");
    if (page) this.pageRo.observe(page);
    this.onResize = () => this.layout();
    window.addEventListener("resize", this.onResize);
  }

  destroy() {
    this.stop();
    this.ro.disconnect();
    this.pageRo.disconnect();
    window.removeEventListener("resize", this.onResize);
  }

  // ----- data in -------------------------------------------------------------------------------
  setFrame(f, period, maxHeight, fit) {
    this.maxHeight = maxHeight; this.fit = fit;
    if (this.mode !== "canvas") { this.mode = "canvas"; this.plotlyDiv.style.display = "none"; }
    this.titleEl.style.display = this.mainEl.style.display = "";
    if (this.next && this.next.id === f.id) { this.layout(); return; }
    const now = performance.now();
    const g = this.prepare(f);
    // where the view is now becomes the start of the move (a frame that arrives mid-move does not jump)
    if (this.next && this.next.kind === g.kind) {
      const t = this.progress(now);
      this.prev = t < 1 && this.prev ? this.blend(this.prev, this.next, t) : this.next;
    } else {
      this.prev = null;
    }
    const gap = this.lastArrival ? (now - this.lastArrival) / 1000 : period;
    this.lastArrival = now;
    this.ema = this.ema === null ? period : 0.6 * this.ema + 0.4 * Math.min(gap, 3 * period);
    this.dur = g.glide ? g.glide
      : Math.min(MAX_MOVE, Math.max(MIN_MOVE, period > 0 ? Math.min(this.ema, 2 * period) : MIN_MOVE));
    this.next = g; this.t0 = now; this.frames++;
    this.root.dataset.frames = this.frames;
    this.root.dataset.step = g.step;
    this.texts(g);
    this.layout();
    this.kick();
  }

  setFigure(fig, config, src, maxHeight, fit) {
    this.stop();
    if (maxHeight) this.maxHeight = maxHeight;
    if (fit !== undefined) this.fit = fit;  // a page opened paused fits its figure too, not only a moving view
    this.mode = "plotly";
    this.titleEl.style.display = this.mainEl.style.display = "none";
    this.plotlyDiv.style.display = "";
    // the figure gets the height the canvas would have: no jump between a paused and a running view
    const want = fig.layout && fig.layout.height ? fig.layout.height : 560;
    this.want = want;
    // fitted to the room left, but never so low that the title, legend and axes leave the plot no room
    const m = (fig.layout && fig.layout.margin) || {};
    this.floor = Math.min(want, Math.max(320, (m.t || 100) + (m.b || 80) + 180));
    const h = this.fit ? Math.max(this.floor, Math.min(want, this.room(this.plotlyDiv))) : want;
    fig.layout.height = h;
    this.plotlyDiv.style.height = h + "px";
    this.next = null; this.prev = null;
    this.root.dataset.moving = "0";
    loadPlotly(src).then((P) => {
      this.P = P;
      return P.react(this.plotlyDiv, fig.data, fig.layout, config).then(() => this.fitPlotly());
    }).catch((e) => { this.plotlyDiv.textContent = "Chart unavailable: " + e.message; });
  }

  // Plotly sizes itself to its div when drawn and on the window's resize only: a column that narrowed
  // since (two runs became four) would clip the figure, and a view drawn low on a page that then got
  // shorter above it (run cards folded) would keep a height fitted to the little room it had. Refit
  // both whenever the column or the page changes (the ResizeObserver on the main block).
  fitPlotly() {
    const div = this.plotlyDiv, full = div._fullLayout;
    if (!this.P || !full || this.mode !== "plotly" || div.offsetWidth === 0) return;  // hidden: fitted when shown
    const h = this.fit ? Math.max(this.floor, Math.min(this.want, this.room(div))) : this.want;
    if (Math.abs(full.height - h) > 1) {
      div.style.height = h + "px";
      Promise.resolve(this.P.relayout(div, {height: h})).catch(() => {});  // width: autosized to the div
    } else if (Math.abs(full.width - div.clientWidth) > 1) {
      Promise.resolve(this.P.Plots.resize(div)).catch(() => {});  // a div hidden meanwhile
    }
  }

  prepare(f) {  // decode once per frame; precompute the landscape image and its contours
    const g = {...f};
    if (f.kind === "2d") {
      g.real = decode(f.real); g.fake = decode(f.fake); g.push = decode(f.push);
      g.z = decode(f.grid.z);
      g.centers = f.modes ? decode(f.modes.centers) : null;
      g.map = f.map ? decode(f.map.xy) : null;
      g.map_lines = f.map ? f.map.lines : 0; g.map_points = f.map ? f.map.points : 0;
      g.push_at = f.push_at ? decode(f.push_at) : null;
      const nx = f.grid.nx, ny = f.grid.ny;
      if (nx > 1 && ny > 1) {
        const [[x0, x1], [y0, y1]] = f.bounds;
        const img = surface(nx, ny);
        const ctx = img.getContext("2d");
        const data = ctx.createImageData(nx, ny);
        const L = lut(f.colorscale), lo = f.grid.zmin, span = f.grid.zmax - f.grid.zmin || 1;
        for (let j = 0; j < ny; j++) {
          for (let i = 0; i < nx; i++) {
            const v = g.z[j * nx + i], o = ((ny - 1 - j) * nx + i) * 4;  // row 0 of the image is the top
            const k = isFinite(v) ? Math.max(0, Math.min(255, Math.round(255 * (v - lo) / span))) : 0;
            data.data[o] = L[3 * k]; data.data[o + 1] = L[3 * k + 1]; data.data[o + 2] = L[3 * k + 2];
            data.data[o + 3] = isFinite(v) ? 255 : 0;
          }
        }
        ctx.putImageData(data, 0, 0);
        g.image = freeze(img);
        const levels = [];
        for (let k = 1; k <= 11; k++) levels.push(lo + span * k / 12);
        g.contours = contours(g.z, nx, ny, x0, x1, y0, y1, levels);
        g.before = f.grid.before ? contours(decode(f.grid.before), nx, ny, x0, x1, y0, y1, levels) : null;
        g.lut = L;
      }
    } else {
      g.x = decode(f.x); g.p = decode(f.p); g.q = decode(f.q); g.right = decode(f.right);
      g.dstar = f.d_star ? decode(f.d_star) : null; g.fake = decode(f.fake);
      g.target = f.target ? decode(f.target) : null;
      g.pushX = decode(f.push_x); g.pushV = decode(f.push);
      g.real = decode(f.real); g.rightBefore = f.right_before ? decode(f.right_before) : null;
    }
    g.ghost = f.ghost ? decode(f.ghost) : null;
    if (f.scores) {  // the explained step's scored batches
      g.real_scores = decode(f.scores.real); g.fake_scores = decode(f.scores.fake);
      g.score_lut = lut(f.scores.colorscale);
    }
    g.fromStep = null;
    return g;
  }

  blend(a, b, t) {  // the state drawn at time t of the move a -> b, as a frame to move on from
    const out = {...b, fromStep: a.fromStep !== null && a.fromStep !== undefined ? a.fromStep : a.step};
    const same = a.fake_set === b.fake_set;  // other samples: nothing to glide from
    out.fake = lerpArrays(same ? a.fake : null, b.fake, t, new Float32Array(b.fake.length));
    if (b.kind === "2d") {
      out.push = lerpArrays(same ? a.push : null, b.push, t, new Float32Array(b.push.length));
      out.arrow_scale = a.arrow_scale + (b.arrow_scale - a.arrow_scale) * t;
      if (b.map) out.map = lerpArrays(a.map, b.map, t, new Float32Array(b.map.length));
    } else {
      out.range = [a.range[0] + (b.range[0] - a.range[0]) * t, a.range[1] + (b.range[1] - a.range[1]) * t];
      out.top = a.top + (b.top - a.top) * t;
      for (const k of ["p", "q", "right"]) out[k] = this.mix1d(a, b, k, t);
      if (b.dstar && a.dstar) out.dstar = this.mix1d(a, b, "dstar", t);
      out.x = b.x;
    }
    return out;
  }

  mix1d(a, b, key, t) {
    const ya = a[key], yb = b[key];
    if (!ya || !yb) return yb;
    const on = resample(a.x, ya, b.x), out = new Float32Array(yb.length);
    for (let i = 0; i < yb.length; i++) out[i] = isFinite(on[i]) ? on[i] + (yb[i] - on[i]) * t : yb[i];
    return out;
  }

  progress(now) { return this.dur > 0 ? Math.min(1, (now - this.t0) / (1000 * this.dur)) : 1; }

  // Draw every FRAME_MS until the move ends. Between draws the loop sleeps in a timer rather than
  // asking for every display frame: each animation frame requested wakes the page's main thread.
  kick() {
    if (this.raf || this.timer) return;
    const loop = (now) => {
      this.raf = 0;
      if (this.mode !== "canvas" || !this.next) return;
      const t = this.progress(now);
      this.draw(t);
      this.lastDraw = now;
      if (t < 1) {
        const wait = Math.max(0, FRAME_MS - (performance.now() - now) - 4);
        this.timer = setTimeout(() => { this.timer = 0; this.raf = requestAnimationFrame(loop); }, wait);
      }
    };
    this.raf = requestAnimationFrame(loop);
  }

  stop() {
    cancelAnimationFrame(this.raf); clearTimeout(this.timer);
    this.raf = 0; this.timer = 0;
  }

  // ----- texts and layout ------------------------------------------------------------------------
  texts(g) {
    this.subEl.innerHTML = g.subtitle.map((s) => `<div>${s}</div>`).join("");
    this.legendEl.innerHTML = "";
    for (const e of g.legend) {
      const item = document.createElement("span");
      item.className = "gp-lv-entry";
      const sw = document.createElement("span");
      sw.className = "gp-lv-swatch gp-lv-" + e.kind;
      sw.style.setProperty("--c", e.color);
      item.appendChild(sw);
      item.appendChild(document.createTextNode(e.name));
      this.legendEl.appendChild(item);
    }
    this.noteEl.textContent = g.note;
  }

  setTitle(t) {
    const g = this.next;
    const from = this.prev ? (this.prev.fromStep !== null && this.prev.fromStep !== undefined ? this.prev.fromStep : this.prev.step) : null;
    const label = motionLabel(from, g.step, t);
    const replay = g.replay_of !== undefined ? "Replay · " : "";
    const text = g.title ? g.title + (t < 1 && from !== null ? " (moving from the last phase)" : "")
      : `${replay}${g.what} — ${label}` + (label.startsWith("steps") ? " (interpolated)" : "");
    if (this.titleEl.textContent !== text) {
      this.titleEl.textContent = text;
      // a title longer than a narrow panel: a smaller font, down to 13 px, before its end is cut
      this.titleEl.style.fontSize = "";
      for (let px = 18.5; px >= 13 && this.titleEl.scrollWidth > this.titleEl.clientWidth; px -= 1.5) {
        this.titleEl.style.fontSize = px + "px";
      }
    }
    this.titleEl.style.color = g.what_color || "";
    const moving = t < 1 ? "1" : "0";
    if (this.root.dataset.moving !== moving) this.root.dataset.moving = moving;
  }

  room(el) {  // px from the element's top to the window's bottom edge (Streamlit scrolls inside)
    return window.innerHeight - (el.getBoundingClientRect().top + scrollOffset(this.parent)) - 12;
  }

  layout() {
    if (this.mode === "plotly") { this.fitPlotly(); return; }
    if (this.mode !== "canvas" || !this.next) return;
    const W = Math.max(200, this.parent.clientWidth);
    const kind = this.next.kind;
    let h = this.maxHeight || 560;
    const fitted = (extra) => this.fit ? Math.max(240, Math.min(h, this.room(this.mainEl) - extra)) : h;
    let cssW = W, cssH = fitted(this.sideEl.offsetHeight + 6);
    if (kind === "2d") {
      // a square plot + axes (46 left, 46 below) + colour bar (84); the legend above the plot or beside
      // it, whichever leaves the larger square (a 4 % margin before the view changes its mind)
      const square = (beside) => {
        this.root.classList.toggle("gp-lv-beside", beside);
        const sideW = beside ? Math.min(320, Math.max(190, 0.27 * W)) : 0;
        const hh = beside ? fitted(0) : fitted(this.sideEl.offsetHeight + 6);
        return Math.max(120, Math.min(W - sideW - 46 - 84 - 8 - (beside ? 12 : 0), hh - 46));
      };
      const was = this.root.classList.contains("gp-lv-beside");
      const other = square(!was), same = square(was);
      const beside = other > 1.04 * same ? !was : was;
      const s = square(beside);
      cssW = s + 46 + 84 + 8; cssH = s + 46;
    }
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(cssW * dpr) || this.canvas.height !== Math.round(cssH * dpr)) {
      this.canvas.style.width = cssW + "px"; this.canvas.style.height = cssH + "px";
      this.canvas.width = Math.round(cssW * dpr); this.canvas.height = Math.round(cssH * dpr);
    }
    this.cssW = cssW; this.cssH = cssH; this.dpr = dpr;
    this.draw(this.progress(performance.now()));
  }

  // ----- drawing ---------------------------------------------------------------------------------
  draw(t) {
    const g = this.next;
    if (!g || !this.cssW) return;
    this.setTitle(t);
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.cssW, this.cssH);
    ctx.font = "14px Inter, 'Helvetica Neue', Helvetica, Arial, sans-serif";
    if (g.kind === "2d") this.draw2d(ctx, t); else this.draw1d(ctx, t);
    this.draws++;
    this.root.dataset.draws = this.draws;
  }

  // The 2D view's geometry for the current canvas size: the square plot, its axes and colour bar.
  geom2d(g) {
    const [[x0, x1], [y0, y1]] = g.bounds;
    const barW = 84, left = 46, bottom = 40, top = 6;
    const side = Math.max(60, Math.min(this.cssW - left - barW - 8, this.cssH - top - bottom));
    const px = left, py = top;
    return {x0, x1, y0, y1, side, px, py, barW, bottom,
            X: (x) => px + (x - x0) / (x1 - x0) * side, Y: (y) => py + side - (y - y0) / (y1 - y0) * side};
  }

  // What changes only from frame to frame, drawn once per frame and size into an offscreen canvas: the
  // landscape and its contours, the modes, the real samples, the axes and the colour bar. A move then
  // costs two blits (the cross-fade) plus the moving samples and arrows.
  layer2d(f) {
    const key = `${this.cssW}x${this.cssH}x${this.dpr}`;
    if (f.layer && f.layerKey === key) return f.layer;
    const c = surface(Math.round(this.cssW * this.dpr), Math.round(this.cssH * this.dpr));
    const ctx = c.getContext("2d");
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.font = "14px Inter, 'Helvetica Neue', Helvetica, Arial, sans-serif";
    const G = this.geom2d(f), {X, Y, side, px, py} = G;
    ctx.fillStyle = "white"; ctx.fillRect(0, 0, this.cssW, this.cssH);
    ctx.save();
    ctx.beginPath(); ctx.rect(px, py, side, side); ctx.clip();
    if (f.image) {
      const nx = f.grid.nx, ny = f.grid.ny;
      const hx = (G.x1 - G.x0) / (nx - 1) / 2, hy = (G.y1 - G.y0) / (ny - 1) / 2;  // cells centred on the grid
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(f.image, X(G.x0 - hx), Y(G.y1 + hy), X(G.x1 + hx) - X(G.x0 - hx), Y(G.y0 - hy) - Y(G.y1 + hy));
      ctx.globalAlpha = 0.35; ctx.strokeStyle = "rgb(40, 20, 60)"; ctx.lineWidth = 1.1;
      ctx.beginPath();
      const k = f.contours;
      for (let i = 0; i < k.length; i += 4) { ctx.moveTo(X(k[i]), Y(k[i + 1])); ctx.lineTo(X(k[i + 2]), Y(k[i + 3])); }
      ctx.stroke(); ctx.globalAlpha = 1;
      if (f.before) {  // the landscape before this update, dotted
        ctx.globalAlpha = 0.7; ctx.strokeStyle = "rgb(123, 50, 148)"; ctx.lineWidth = 1.4; ctx.setLineDash([2, 3]);
        ctx.beginPath();
        const k0 = f.before;
        for (let i = 0; i < k0.length; i += 4) { ctx.moveTo(X(k0[i]), Y(k0[i + 1])); ctx.lineTo(X(k0[i + 2]), Y(k0[i + 3])); }
        ctx.stroke(); ctx.setLineDash([]); ctx.globalAlpha = 1;
      }
    }
    if (!f.grid.finite) {
      ctx.fillStyle = "#B00020"; ctx.textAlign = "center";
      ctx.fillText("critic output is not finite", px + side / 2, py + side / 2);
    }
    if (f.centers) {  // modes, under the points
      for (let i = 0; i < f.centers.length / 2; i++) {
        const cx = X(f.centers[2 * i]), cy = Y(f.centers[2 * i + 1]);
        if (f.modes.covered[i]) {
          ctx.strokeStyle = f.colors.covered; ctx.lineWidth = 3;
          ctx.beginPath(); ctx.arc(cx, cy, 10, 0, 2 * Math.PI); ctx.stroke();
        } else {
          ctx.strokeStyle = f.colors.missed; ctx.lineWidth = 2.5; ctx.globalAlpha = 0.8;
          ctx.beginPath(); ctx.moveTo(cx - 7, cy - 7); ctx.lineTo(cx + 7, cy + 7); ctx.moveTo(cx + 7, cy - 7);
          ctx.lineTo(cx - 7, cy + 7); ctx.stroke(); ctx.globalAlpha = 1;
        }
      }
    }
    if (f.ghost) this.dots(ctx, f.ghost, X, Y, f.colors.fake, 0.35, f.radius);
    if (f.real_scores) this.scored(ctx, f.real, f.real_scores, f, X, Y, false);
    else this.dots(ctx, f.real, X, Y, f.colors.real, f.radius ? 0.9 : 0.75, f.radius);
    ctx.restore();
    ctx.strokeStyle = "#888"; ctx.lineWidth = 1; ctx.strokeRect(px, py, side, side);
    ctx.fillStyle = "#222"; ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const v of niceTicks(G.x0, G.x1, 5)) { const sx = X(v); ctx.fillRect(sx, py + side, 1, 5); ctx.fillText(tickText(v), sx, py + side + 7); }
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const v of niceTicks(G.y0, G.y1, 5)) { const sy = Y(v); ctx.fillRect(px - 5, sy, 5, 1); ctx.fillText(tickText(v), px - 8, sy); }
    ctx.textAlign = "center"; ctx.textBaseline = "bottom";
    ctx.fillText(f.axes[0], px + side / 2, py + side + G.bottom);
    ctx.save(); ctx.translate(12, py + side / 2); ctx.rotate(-Math.PI / 2); ctx.textBaseline = "middle";
    ctx.fillText(f.axes[1], 0, 0); ctx.restore();
    const bx = px + side + 12, bw = 14;  // colour bar
    if (f.lut) {
      for (let i = 0; i < side; i++) {
        const k = Math.round(255 * (1 - i / Math.max(1, side - 1)));
        ctx.fillStyle = `rgb(${f.lut[3 * k]},${f.lut[3 * k + 1]},${f.lut[3 * k + 2]})`;
        ctx.fillRect(bx, py + i, bw, 1.5);
      }
      ctx.strokeStyle = "#AAA"; ctx.strokeRect(bx, py, bw, side);
    }
    f.layer = freeze(c); f.layerKey = key;
    return f.layer;
  }

  // The colour bar's ticks and title, from the frame being moved to only: cross-faded, two scales'
  // labels would overlap (the landscape's colours fade; the scale they are read on is the new one).
  colorbarLabels(ctx, f, G) {
    if (!f.lut) return;
    const {side, py} = G, bx = G.px + side + 12, bw = 14;
    ctx.font = "14px Inter, 'Helvetica Neue', Helvetica, Arial, sans-serif";
    ctx.fillStyle = "#222"; ctx.textAlign = "left"; ctx.textBaseline = "middle";
    const lo = f.grid.zmin, hi = f.grid.zmax;
    let labelW = 0;
    for (const v of niceTicks(lo, hi, 4)) {
      const sy = py + side - (v - lo) / (hi - lo) * side;
      ctx.fillRect(bx + bw, sy, 4, 1); ctx.fillText(tickText(v), bx + bw + 6, sy);
      labelW = Math.max(labelW, ctx.measureText(tickText(v)).width);
    }
    ctx.save(); ctx.font = "13px Inter, Helvetica, Arial, sans-serif";
    ctx.translate(Math.min(bx + G.barW - 4, bx + bw + 6 + labelW + 12), py + side / 2); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    const title = ctx.measureText(f.colorbar).width <= side ? f.colorbar : f.colorbar.replace(/ \(.*\)/, "");
    ctx.fillText(title, 0, 0); ctx.restore();
  }

  sprite(color, alpha, radius) {  // a round sample marker, drawn once: blitting it beats 1,000 arcs a frame
    const r = radius || 2.6, key = `${color}|${alpha}|${r}|${this.dpr}`;
    this.sprites = this.sprites || {};
    if (!this.sprites[key]) {
      const n = Math.ceil((2 * r + 2) * this.dpr), c = surface(n, n);
      const x = c.getContext("2d");
      x.fillStyle = color; x.globalAlpha = alpha;
      x.beginPath(); x.arc(n / 2, n / 2, r * this.dpr, 0, 2 * Math.PI); x.fill();
      if (radius) { x.globalAlpha = 1; x.strokeStyle = "white"; x.lineWidth = this.dpr; x.stroke(); }
      this.sprites[key] = freeze(c);
    }
    return this.sprites[key];
  }

  // points coloured by their score on the frame's score scale (the explained step's phase 2): real
  // circles, fake diamonds, outlined so they stand out on the landscape
  scored(ctx, arr, scores, f, X, Y, diamond) {
    const [lo, hi] = f.scores.range, span = hi - lo || 1, r = (f.radius || 2.6) + 1, L = f.score_lut || lut(f.scores.colorscale);
    ctx.strokeStyle = "#222"; ctx.lineWidth = 1;
    for (let i = 0; i < arr.length; i += 2) {
      const x = arr[i], y = arr[i + 1], v = scores[i / 2];
      if (!isFinite(x) || !isFinite(y)) continue;
      const k = isFinite(v) ? Math.max(0, Math.min(255, Math.round(255 * (v - lo) / span))) : 0;
      ctx.fillStyle = `rgb(${L[3 * k]},${L[3 * k + 1]},${L[3 * k + 2]})`;
      const sx = X(x), sy = Y(y);
      ctx.beginPath();
      if (diamond) { ctx.moveTo(sx, sy - r - 1); ctx.lineTo(sx + r + 1, sy); ctx.lineTo(sx, sy + r + 1); ctx.lineTo(sx - r - 1, sy); ctx.closePath(); }
      else ctx.arc(sx, sy, r, 0, 2 * Math.PI);
      ctx.fill(); ctx.stroke();
    }
  }

  dots(ctx, arr, X, Y, color, alpha, radius) {
    const s = this.sprite(color, alpha, radius), w = s.width / this.dpr, h = w / 2;
    for (let i = 0; i < arr.length; i += 2) {
      const x = arr[i], y = arr[i + 1];
      if (!isFinite(x) || !isFinite(y)) continue;
      ctx.drawImage(s, X(x) - h, Y(y) - h, w, w);
    }
  }

  draw2d(ctx, t) {
    const g = this.next, a = this.prev;
    const G = this.geom2d(g), {X, Y, side, px, py} = G;
    // the frame's layer, over the previous one's at opacity t (a cross-fade of the landscape and modes)
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (a && t < 1) {
      ctx.drawImage(this.layer2d(a), 0, 0);
      ctx.globalAlpha = t;
    }
    ctx.drawImage(this.layer2d(g), 0, 0);
    ctx.restore();
    this.colorbarLabels(ctx, g, G);
    ctx.save();
    ctx.beginPath(); ctx.rect(px, py, side, side); ctx.clip();
    // the generator's map and the samples, moving point by point (other samples: the old fade out)
    const same = a && a.fake_set === g.fake_set;
    const fake = same ? lerpArrays(a.fake, g.fake, t, this.buf(g.fake.length, "fake")) : g.fake;
    if (g.map) this.drawMap(ctx, a && a.map ? lerpArrays(a.map, g.map, t, this.buf(g.map.length, "map")) : g.map, X, Y);
    if (a && !same && t < 1) {
      ctx.globalAlpha = 1 - t; this.dots(ctx, a.fake, X, Y, a.colors.fake, 0.85, a.radius);
      ctx.globalAlpha = t;
    }
    if (g.fake_scores) this.scored(ctx, fake, g.fake_scores, g, X, Y, true);
    else this.dots(ctx, fake, X, Y, g.colors.fake, 0.85, g.radius);
    ctx.globalAlpha = 1;
    // push arrows on the first samples (the snapshot pushes fake[:k]), or from fixed points (push_at)
    const push = same && a.push ? lerpArrays(a.push, g.push, t, this.buf(g.push.length, "push")) : g.push;
    const s = same ? a.arrow_scale + (g.arrow_scale - a.arrow_scale) * t : g.arrow_scale;
    const from = g.push_at || fake;
    if (s > 0) {
      let top = 0;
      for (let i = 0; i < push.length; i += 2) top = Math.max(top, Math.hypot(push[i], push[i + 1]) || 0);
      ctx.strokeStyle = g.colors.push; ctx.fillStyle = g.colors.push; ctx.lineWidth = 1.6;
      ctx.beginPath();
      const heads = [];
      for (let i = 0; i < push.length; i += 2) {
        const ax = from[i], ay = from[i + 1], vx = push[i], vy = push[i + 1];
        if (!isFinite(ax) || !isFinite(ay) || !isFinite(vx) || !isFinite(vy)) continue;
        const sx = X(ax), sy = Y(ay), ex = X(ax + s * vx), ey = Y(ay + s * vy);
        ctx.moveTo(sx, sy); ctx.lineTo(ex, ey);
        const len = Math.hypot(ex - sx, ey - sy);
        if (len > 1) heads.push(ex, ey, (ex - sx) / len, (ey - sy) / len, 3 + 8 * Math.min(1, Math.hypot(vx, vy) / (top || 1)));
      }
      ctx.stroke();
      ctx.beginPath();
      for (let i = 0; i < heads.length; i += 5) {
        const [ex, ey, ux, uy, head] = heads.slice(i, i + 5);
        ctx.moveTo(ex, ey);
        ctx.lineTo(ex - head * ux - 0.5 * head * uy, ey - head * uy + 0.5 * head * ux);
        ctx.lineTo(ex - head * ux + 0.5 * head * uy, ey - head * uy - 0.5 * head * ux);
        ctx.closePath();
      }
      ctx.fill();
    }
    ctx.restore();
  }

  drawMap(ctx, m, X, Y) {
    const lines = this.next.map_lines, points = this.next.map_points;
    ctx.strokeStyle = "rgba(40,40,40,0.55)"; ctx.lineWidth = 1;
    ctx.beginPath();
    for (let l = 0; l < lines; l++) {
      let pen = false;
      for (let k = 0; k < points; k++) {
        const o = 2 * (l * points + k), x = m[o], y = m[o + 1];
        if (!isFinite(x) || !isFinite(y)) { pen = false; continue; }
        if (pen) ctx.lineTo(X(x), Y(y)); else ctx.moveTo(X(x), Y(y));
        pen = true;
      }
    }
    ctx.stroke();
  }

  draw1d(ctx, t) {
    const g0 = this.next, a = this.prev;
    const g = a && t < 1 ? this.blend(a, g0, t) : g0;
    const fake = g.fake;
    const [lo, hi] = g.range;
    const left = 56, right = 60, top = 6, bottom = 40;
    const w = this.cssW - left - right, h = this.cssH - top - bottom;
    const band = 0.16 * g.top;
    const X = (x) => left + (x - lo) / (hi - lo) * w;
    const Y = (y) => top + h - (y + band) / (g.top + band) * h;
    const [r0, r1] = g0.right_range;
    const R = (v) => { const frac = (v - r0) / (r1 - r0); return top + h - (band / (g.top + band) + frac * g.top / (g.top + band)) * h; };
    ctx.save(); ctx.beginPath(); ctx.rect(left, top, w, h); ctx.clip();
    // histogram of the samples as drawn (none for the explained step's batches: rows of points instead)
    const bins = g0.bins, edges = (hi - lo) / Math.max(1, bins), counts = new Float32Array(bins);
    let n = 0;
    for (let i = 0; i < fake.length; i++) {
      const v = fake[i];
      if (!isFinite(v)) continue;
      n++;
      const k = Math.floor((v - lo) / edges);
      if (k >= 0 && k < bins) counts[k]++;
    }
    ctx.fillStyle = g0.colors.fake; ctx.globalAlpha = 0.35;
    for (let k = 0; k < bins; k++) {
      if (!counts[k]) continue;
      const d = counts[k] / (Math.max(1, n) * edges);
      ctx.fillRect(X(lo + k * edges), Y(d), X(lo + (k + 1) * edges) - X(lo + k * edges), Y(0) - Y(d));
    }
    ctx.globalAlpha = 1;
    const curve = (xs, ys, Yf, color, width, dash) => {
      ctx.strokeStyle = color; ctx.lineWidth = width; ctx.setLineDash(dash || []);
      ctx.beginPath(); let pen = false;
      for (let i = 0; i < xs.length; i++) {
        const y = ys[i];
        if (!isFinite(y)) { pen = false; continue; }
        if (pen) ctx.lineTo(X(xs[i]), Yf(y)); else ctx.moveTo(X(xs[i]), Yf(y));
        pen = true;
      }
      ctx.stroke(); ctx.setLineDash([]);
    };
    // data density: filled
    ctx.fillStyle = g0.colors.real; ctx.globalAlpha = 0.15; ctx.beginPath(); ctx.moveTo(X(g.x[0]), Y(0));
    for (let i = 0; i < g.x.length; i++) if (isFinite(g.p[i])) ctx.lineTo(X(g.x[i]), Y(g.p[i]));
    ctx.lineTo(X(g.x[g.x.length - 1]), Y(0)); ctx.closePath(); ctx.fill(); ctx.globalAlpha = 1;
    curve(g.x, g.p, Y, g0.colors.real, 3.5);
    curve(g.x, g.q, Y, g0.colors.fake, 3);
    curve(g.x, g.right, R, g0.colors.critic, 3);
    if (g0.rightBefore) { ctx.globalAlpha = 0.6; curve(g0.x, g0.rightBefore, R, g0.colors.critic, 2, [3, 4]); ctx.globalAlpha = 1; }
    if (g.dstar) curve(g.x, g.dstar, R, g0.colors.optimal, 2.5, [7, 5]);
    if (g.target) curve(g.x, g.target, Y, g0.colors.optimal, 2.5, [2, 4]);  // a one-Gaussian run's optimum
    // push arrows (bin means) in the band under zero: the old ones fade out, the new ones in
    const arrows = (f, alpha) => {
      if (!f || !(f.arrow_scale > 0)) return;
      ctx.globalAlpha = alpha; ctx.strokeStyle = f.colors.push; ctx.fillStyle = f.colors.push; ctx.lineWidth = 1.6;
      for (let i = 0; i < f.pushX.length; i++) {
        const row = f.arrow_row !== undefined ? f.arrow_row : (i % 2 ? 0.7 : 0.3);
        const y = Y(-band * row), sx = X(f.pushX[i]), ex = X(f.pushX[i] + f.arrow_scale * f.pushV[i]);
        ctx.beginPath(); ctx.moveTo(sx, y); ctx.lineTo(ex, y); ctx.stroke();
        if (Math.abs(ex - sx) > 1) {
          const d = Math.sign(ex - sx);
          ctx.beginPath(); ctx.moveTo(ex, y); ctx.lineTo(ex - 7 * d, y - 4); ctx.lineTo(ex - 7 * d, y + 4); ctx.fill();
        }
      }
      ctx.globalAlpha = 1;
    };
    if (a && t < 1) { arrows(a.pushX ? a : null, 1 - t); arrows(g0, t); } else arrows(g0, 1);
    if (g0.rows) {  // the explained step's batches: real on the upper row, fake (moving) on the lower one
      const at = (xs, row) => {
        const out = new Float32Array(2 * xs.length);
        for (let i = 0; i < xs.length; i++) { out[2 * i] = xs[i]; out[2 * i + 1] = -band * row; }
        return out;
      };
      if (g0.ghost) this.dots(ctx, at(g0.ghost, 0.7), X, Y, g0.colors.fake, 0.35, g0.radius || 4);
      if (g0.real_scores) this.scored(ctx, at(g0.real, 0.3), g0.real_scores, g0, X, Y, false);
      else this.dots(ctx, at(g0.real, 0.3), X, Y, g0.colors.real, 0.9, g0.radius || 4);
      if (g0.fake_scores) this.scored(ctx, at(fake, 0.7), g0.fake_scores, g0, X, Y, true);
      else this.dots(ctx, at(fake, 0.7), X, Y, g0.colors.fake, 0.9, g0.radius || 4);
    }
    ctx.restore();
    // axes
    ctx.strokeStyle = "#888"; ctx.lineWidth = 1; ctx.strokeRect(left, top, w, h);
    ctx.fillStyle = "#222"; ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const v of niceTicks(lo, hi, 8)) { const sx = X(v); ctx.fillRect(sx, top + h, 1, 5); ctx.fillText(tickText(v), sx, top + h + 7); }
    ctx.textBaseline = "bottom"; ctx.fillText(g0.axes[0], left + w / 2, top + h + bottom);
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const v of niceTicks(0, g.top, 4)) { const sy = Y(v); ctx.fillRect(left - 5, sy, 5, 1); ctx.fillText(tickText(v), left - 8, sy); }
    ctx.strokeStyle = "#CCC"; ctx.beginPath(); ctx.moveTo(left, Y(0)); ctx.lineTo(left + w, Y(0)); ctx.stroke();
    ctx.fillStyle = g0.colors.critic; ctx.textAlign = "left";
    for (const v of g0.log_loss ? [0, 0.5, 1] : niceTicks(r0, r1, 4)) {
      const sy = R(v); ctx.fillRect(left + w, sy, 5, 1); ctx.fillText(tickText(v), left + w + 8, sy);
    }
    ctx.save(); ctx.fillStyle = "#222"; ctx.translate(14, top + h / 2); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center"; ctx.fillText(g0.axes[1], 0, 0); ctx.restore();
    ctx.save(); ctx.fillStyle = g0.colors.critic; ctx.translate(this.cssW - 10, top + h / 2); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center"; ctx.fillText(g0.right_title, 0, 0); ctx.restore();
  }

  buf(n, name) {  // reused scratch arrays: no allocation per drawn frame
    this.bufs = this.bufs || {};
    if (!this.bufs[name] || this.bufs[name].length !== n) this.bufs[name] = new Float32Array(n);
    return this.bufs[name];
  }
}

function scrollOffset(el) {  // Streamlit scrolls inside its own container: how far it has scrolled
  for (let p = el.parentElement; p; p = p.parentElement) {
    if (p.scrollTop) return p.scrollTop;
  }
  return 0;
}

export default function (component) {
  const { data, parentElement } = component;
  if (!data) return;
  let view = parentElement.__gpLiveView;
  if (!view || !view.root.isConnected) {
    view = new View(parentElement);
    parentElement.__gpLiveView = view;
  }
  if (data.figure) {
    view.setFigure(JSON.parse(data.figure), data.config || {}, data.src, data.height, data.fit);
  } else if (data.frame) {
    view.setFrame(data.frame, data.period || 0, data.height || 560, !!data.fit);
  }
  return () => setTimeout(() => { if (!parentElement.isConnected) view.destroy(); }, 0);
}
