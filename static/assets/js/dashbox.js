// dashbox.js: the one script of dashbox's dashboards. It draws the charts
// from the option JSON the page carries, keeps them sized to their boxes and
// in the visitor's light or dark theme, and runs the dashboards' callbacks:
// when a control changes (or a chart reports a hover, click, selection or
// zoom), it posts the callback's inputs to the server and swaps the outputs
// the server computes into the page.
//
// The Content-Security-Policy allows no inline script, no eval and no inline
// style attribute, so: options are JSON (JSON.parse, never eval), outputs
// become text (textContent) or HTML that dashbox's own templates rendered,
// and sizes are set through element.style (CSSOM), which the policy allows.
(() => {
  'use strict';

  const specEl = document.getElementById('dashbox-callbacks');
  const specs = specEl ? JSON.parse(specEl.textContent) : [];
  const errorEl = document.getElementById('dashbox-error');
  const dark = window.matchMedia('(prefers-color-scheme: dark)');

  // charts: chart ID -> {chart, el, base, last}. base is the page's option,
  // last the latest callback's, so a theme switch can redraw both.
  const charts = new Map();
  // events: "id.event" -> the JSON of the chart event last reported.
  const events = new Map();

  // idOf and propOf split an input name: "x" is x's value, "g.hover" a
  // chart event, "submit.clicks" a button's presses.
  const idOf = (name) => name.split('.')[0];
  const propOf = (name) => name.split('.')[1] || '';

  // ---- Charts ----

  function drawChart(el, option, last) {
    const fixed = el.dataset.theme === 'fixed';
    const chart = echarts.init(el, !fixed && dark.matches ? 'dark' : null, {renderer: 'canvas'});
    // data-drawn tells tests and screenshots that drawing and animation are
    // over.
    el.dataset.drawn = 'false';
    chart.on('finished', () => { el.dataset.drawn = 'true'; });
    if (!fixed && option.backgroundColor === undefined) {
      option = Object.assign({}, option, {backgroundColor: 'transparent'});
    }
    chart.setOption(option);
    if (last) chart.setOption(last);
    wireChartEvents(chart, el);
    return chart;
  }

  function initCharts() {
    for (const el of document.querySelectorAll('[data-chart]')) {
      const json = document.getElementById(el.id + '-option');
      const base = JSON.parse(json.textContent);
      charts.set(el.id, {chart: drawChart(el, base), el, base, last: null});
    }
    // Charts follow their boxes (the window, or a column growing).
    const ro = new ResizeObserver((entries) => {
      for (const e of entries) charts.get(e.target.id)?.chart.resize();
    });
    for (const {el} of charts.values()) ro.observe(el);
    window.addEventListener('resize', () => {
      for (const {chart} of charts.values()) chart.resize();
    });
    // A theme switch redraws every chart in the new theme.
    dark.addEventListener('change', () => {
      for (const state of charts.values()) {
        state.chart.dispose();
        state.chart = drawChart(state.el, state.base, state.last);
      }
    });
  }

  function updateChart(id, option) {
    const state = charts.get(id);
    if (!state) return;
    state.last = option;
    state.el.dataset.drawn = 'false';
    state.chart.setOption(option); // merged, so ECharts animates the change
  }

  // wireChartEvents reports the events some callback takes (the element's
  // data-events) as inputs named "<chart id>.<event>".
  function wireChartEvents(chart, el) {
    const wanted = (el.dataset.events || '').split(' ').filter(Boolean);
    const report = (event, payload) => {
      const name = el.id + '.' + event;
      events.set(name, payload === null ? 'null' : JSON.stringify(payload));
      trigger([name]);
    };
    const points = (p) => ({points: [{
      series: p.seriesName, seriesIndex: p.seriesIndex, dataIndex: p.dataIndex, name: p.name, value: p.value,
    }]});
    if (wanted.includes('hover')) {
      chart.on('mouseover', 'series', (p) => report('hover', points(p)));
    }
    if (wanted.includes('click')) {
      chart.on('click', 'series', (p) => report('click', points(p)));
    }
    if (wanted.includes('select')) {
      let selected = false;
      chart.on('brushEnd', (e) => {
        selected = e.areas.length > 0;
        report('select', selected ? selection(chart, e.areas) : null);
      });
      chart.on('brush', (e) => {
        if (e.areas.length === 0 && selected) { // the toolbox's clear button
          selected = false;
          report('select', null);
        }
      });
      // A chart that only selects starts in box-select mode, as the demo's do.
      if (!wanted.includes('click') && !wanted.includes('hover')) {
        chart.dispatchAction({type: 'takeGlobalCursor', key: 'brush', brushOption: {brushType: 'rect', brushMode: 'single'}});
      }
    }
    if (wanted.includes('zoom')) {
      let timer = 0;
      chart.on('datazoom', () => {
        clearTimeout(timer); // a wheel turn zooms many times: report once it stops
        timer = setTimeout(() => report('zoom', zoomRanges(chart)), 150);
      });
    }
  }

  // selection is what Plotly's selectedData holds: the points inside the
  // brush areas, and the box ("range") or lasso outline.
  function selection(chart, areas) {
    const inside = (a, x, y) => {
      const r = a.coordRange;
      if (a.brushType === 'rect') return x >= r[0][0] && x <= r[0][1] && y >= r[1][0] && y <= r[1][1];
      if (a.brushType === 'polygon') return inPolygon(r, x, y);
      return false;
    };
    const pts = [];
    chart.getOption().series.forEach((s, si) => (s.data || []).forEach((d, di) => {
      const v = Array.isArray(d) ? d : d.value;
      if (Array.isArray(v) && areas.some((a) => inside(a, v[0], v[1]))) {
        pts.push({seriesIndex: si, dataIndex: di, name: d.name, value: v});
      }
    }));
    const last = areas[areas.length - 1];
    const out = {points: pts};
    if (last.brushType === 'rect') {
      out.range = {x: last.coordRange[0], y: last.coordRange[1]};
    } else {
      out.lassoPoints = {x: last.coordRange.map((p) => p[0]), y: last.coordRange.map((p) => p[1])};
    }
    return out;
  }

  function inPolygon(poly, x, y) {
    let inside = false;
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      const [xi, yi] = poly[i];
      const [xj, yj] = poly[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  // zoomRanges is what Plotly's relayoutData holds after a zoom: the axis
  // ranges now shown.
  function zoomRanges(chart) {
    const out = {};
    for (const z of chart.getOption().dataZoom || []) {
      const range = [z.startValue, z.endValue];
      if (z.xAxisIndex !== undefined && z.xAxisIndex.length !== 0) out['xaxis.range'] = range;
      if (z.yAxisIndex !== undefined && z.yAxisIndex.length !== 0) out['yaxis.range'] = range;
    }
    return out;
  }

  // ---- Inputs ----

  // readInput returns the values of one callback input.
  function readInput(name) {
    const id = idOf(name);
    const prop = propOf(name);
    const el = document.getElementById(id);
    if (!el) return [];
    switch (prop) {
      case '': break;
      case 'clicks': return [el.dataset.clicks];
      case 'page': return [el.dataset.page];
      case 'offset': return [el.dataset.offset];
      default: return [events.get(name) || ''];
    }
    if (el.matches('select[multiple]')) return [...el.selectedOptions].map((o) => o.value);
    if (el.matches('fieldset')) return [...el.querySelectorAll('input:checked')].map((i) => i.value);
    return [el.value];
  }

  // ---- Callbacks ----

  const inflight = new Map(); // callback URL -> AbortController
  let pending = 0;

  function busy(delta) {
    pending += delta;
    document.documentElement.dataset.pending = String(pending);
  }

  function showError(message) {
    if (!errorEl) return;
    errorEl.textContent = message;
    errorEl.hidden = false;
  }

  // trigger runs the callbacks that take any of the changed inputs, except
  // those waiting for another of them to set one of their inputs first:
  // that one's output will trigger them, with the new value (Dash's chained
  // callbacks).
  function trigger(changed) {
    const fired = specs.filter((s) => s.inputs.some((n) => changed.includes(n)));
    const setting = new Set(fired.flatMap((s) => s.outputs));
    for (const s of fired) {
      const waits = s.inputs.some((n) => propOf(n) === '' && !changed.includes(n) &&
        setting.has(idOf(n)) && !s.outputs.includes(idOf(n)));
      if (!waits) run(s);
    }
  }

  async function run(spec) {
    const body = new URLSearchParams();
    for (const name of spec.inputs.concat(spec.state || [])) {
      for (const v of readInput(name)) body.append(name, v);
    }
    inflight.get(spec.url)?.abort(); // only the latest answer counts
    const ctl = new AbortController();
    inflight.set(spec.url, ctl);
    busy(+1);
    try {
      // Resolved against the origin, not the page's URL: a page opened as
      // https://user:pass@host/... would make fetch refuse a relative URL.
      const resp = await fetch(new URL(spec.url, location.origin), {method: 'POST', body, signal: ctl.signal, headers: {Accept: 'application/json'}});
      const data = await resp.json().catch(() => ({error: resp.status + ' ' + resp.statusText}));
      if (ctl.signal.aborted) return;
      if (!resp.ok) {
        showError(data.error || resp.status + ' ' + resp.statusText);
        return;
      }
      if (errorEl) errorEl.hidden = true;
      apply(data.outputs || {});
    } catch (err) {
      if (err.name !== 'AbortError') showError('The server could not be reached: ' + err.message);
    } finally {
      if (inflight.get(spec.url) === ctl) inflight.delete(spec.url);
      busy(-1);
    }
  }

  function apply(outputs) {
    const changed = [];
    for (const [id, out] of Object.entries(outputs)) {
      const el = document.getElementById(id);
      if (!el) continue;
      if (out.text !== undefined) el.textContent = out.text;
      if (out.html !== undefined) el.innerHTML = out.html; // rendered by dashbox's templates
      if (out.chart) updateChart(id, out.chart);
      if (out.rows) virtualTables.get(id)?.show(out.rows);
      if (out.options) setOptions(el, out.options);
      if (out.value !== undefined) {
        setValue(el, out.value);
        changed.push(id);
      }
    }
    if (changed.length) trigger(changed);
  }

  function setOptions(el, options) {
    if (el.matches('select')) {
      el.replaceChildren(...options.map((o) => new Option(o.label, o.value)));
      return;
    }
    // A radio or checklist fieldset: keep the legend, replace the choices.
    const type = el.dataset.control === 'checklist' ? 'checkbox' : 'radio';
    for (const label of el.querySelectorAll('label')) label.remove();
    for (const o of options) {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = type;
      input.name = el.id;
      input.value = o.value;
      label.append(input, ' ' + o.label);
      el.append(label);
    }
  }

  function setValue(el, value) {
    if (el.matches('fieldset')) {
      for (const i of el.querySelectorAll('input')) i.checked = i.value === value;
      return;
    }
    el.value = value;
    sliderLabel(el);
  }

  function sliderLabel(el) {
    if (el.type !== 'range') return;
    const out = el.closest('.slider')?.querySelector('[data-slider-value]');
    if (out) out.textContent = el.value;
  }

  // ---- Controls ----

  function controlOf(target) {
    return target.closest('fieldset[data-control]') || target.closest('[data-control]');
  }

  document.addEventListener('input', (e) => {
    const el = controlOf(e.target);
    if (!el) return;
    if (e.target.type === 'range') {
      sliderLabel(e.target); // the slider reports when released, as Dash's does
      return;
    }
    if (e.target.matches('input[type=text], input[type=number], input:not([type])')) trigger([el.id]);
  });

  document.addEventListener('change', (e) => {
    const el = controlOf(e.target);
    if (!el) return;
    if (e.target.matches('input[type=text], input[type=number], input:not([type])')) return; // sent on input
    trigger([el.id]);
  });

  document.addEventListener('click', (e) => {
    const button = e.target.closest('button[data-clicks]');
    if (button) {
      button.dataset.clicks = String(Number(button.dataset.clicks) + 1);
      trigger([button.id + '.clicks']);
      return;
    }
    const step = e.target.closest('[data-page-step]');
    if (step) {
      const table = step.closest('.paged-table');
      table.dataset.page = String(Number(table.dataset.page) + Number(step.dataset.pageStep));
      trigger([table.id + '.page']);
    }
  });

  // ---- Virtualised tables ----

  // A virtual table holds a window of rows between two spacer rows whose
  // heights stand in for the rows it does not hold. Scrolling past the
  // window asks the server for the window around the view.
  const virtualTables = new Map();

  function initVirtualTable(root) {
    const viewport = root.querySelector('.virtual-viewport');
    const tbody = viewport.querySelector('tbody');
    const [top, bottom] = tbody.querySelectorAll('tr.virtual-spacer');
    const numeric = [...root.querySelectorAll('thead th')].map((th) => th.classList.contains('num'));
    const total = Number(root.dataset.total);
    let offset = Number(root.dataset.offset);
    let count = tbody.rows.length - 2;
    let rowHeight = 0;
    let asked = offset;

    function layout() {
      if (!rowHeight) rowHeight = top.nextElementSibling?.getBoundingClientRect().height || 32;
      top.style.height = offset * rowHeight + 'px';
      bottom.style.height = Math.max(0, total - offset - count) * rowHeight + 'px';
    }

    function show(w) {
      while (top.nextElementSibling !== bottom) top.nextElementSibling.remove();
      const rows = w.rows.map((cells) => {
        const tr = document.createElement('tr');
        cells.forEach((c, i) => {
          const td = tr.insertCell();
          td.textContent = c;
          if (numeric[i]) td.className = 'num';
        });
        return tr;
      });
      top.after(...rows);
      offset = w.offset;
      count = w.rows.length;
      layout();
      check();
    }

    let frame = 0;
    function check() {
      frame = 0;
      const first = Math.floor(viewport.scrollTop / rowHeight);
      const visible = Math.ceil(viewport.clientHeight / rowHeight);
      if (first >= offset && first + visible <= offset + count) return; // in the window
      const want = Math.max(0, Math.min(total - 1, first - 20));
      if (want === asked) return;
      asked = want;
      root.dataset.offset = String(want);
      trigger([root.id + '.offset']);
    }

    viewport.addEventListener('scroll', () => {
      if (!frame) frame = requestAnimationFrame(check);
    }, {passive: true});
    layout();
    virtualTables.set(root.id, {show});
  }

  // ---- Start ----

  if (document.querySelector('[data-chart]')) initCharts();
  for (const root of document.querySelectorAll('.virtual-table')) initVirtualTable(root);
  document.documentElement.dataset.pending = '0';
  document.documentElement.dataset.ready = 'true';
})();
