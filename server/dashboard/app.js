// The campaign dashboard: asks for the admin token once (kept in sessionStorage, sent as a bearer
// token, never put in a URL), fetches GET /admin/reports/campaigns and draws exactly that report.
// Plain browser JavaScript, served as is; Chart.js and its error-bar plugin are loaded before it.
/* global Chart, ChartErrorBars */
'use strict';

(() => {
  const TOKEN_KEY = 'cartflow.adminToken';
  const DAY_MS = 86_400_000;
  const COLORS = ['#2f6fd1', '#14a38b', '#e0a526', '#d1495b', '#7d5ba6', '#52606d'];
  const $ = (id) => document.getElementById(id);
  const charts = [];
  const knownCampaigns = new Set();
  // Phone widths: the funnel and the arms are drawn across (see acrossOnPhone). Crossing this width
  // (a phone turned) draws the report again, as a chart's orientation is fixed when it is made.
  const PHONE = matchMedia('(max-width: 640px)');
  let shownReport = null;

  Chart.register(ChartErrorBars.BarWithErrorBarsController, ChartErrorBars.BarWithErrorBar);
  Chart.defaults.animation = false; // drawn at once, so "ready" means the pixels are there
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.position = 'bottom';

  const count = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
  const percent = (fraction) => `${(fraction * 100).toFixed(1)} %`;
  const points = (fraction) => `${fraction >= 0 ? '+' : '−'}${Math.abs(fraction * 100).toFixed(1)} pt`;

  /** The page's state for people (the status line) and for tests (body[data-state] and an event). */
  function setState(state, message, isError = false) {
    document.body.dataset.state = state;
    $('status').textContent = message;
    $('status').classList.toggle('error', isError);
    document.dispatchEvent(new CustomEvent('dashboard:state', { detail: state }));
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clearReport() {
    while (charts.length > 0) charts.pop().destroy();
    $('report').replaceChildren();
  }

  function askForToken(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    clearReport();
    $('token-form').hidden = false;
    $('controls').hidden = true;
    $('forget-token').hidden = true;
    setState('token', message, message !== '');
    $('token').focus();
  }

  function showControls() {
    $('token-form').hidden = true;
    $('controls').hidden = false;
    $('forget-token').hidden = false;
  }

  async function load() {
    const since = $('since').value;
    const until = $('until').value;
    const params = new URLSearchParams({ since, until });
    if ($('campaign').value) params.set('campaign', $('campaign').value);
    setState('loading', 'Loading the report…');
    let response;
    try {
      response = await fetch(`reports/campaigns?${params}`, {
        headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}`, Accept: 'application/json' },
        cache: 'no-store',
      });
    } catch (error) {
      clearReport();
      setState('error', `Could not reach cartflow (${error.message}). Is the server running?`, true);
      return;
    }
    const body = await response.json().catch(() => null);
    if (response.status === 401) {
      askForToken('That token was not accepted (401). Enter the ADMIN_TOKEN configured on this server.');
      return;
    }
    if (!response.ok) {
      clearReport();
      const detail = body && typeof body.message === 'string' ? body.message : 'no details';
      setState('error', `The report could not be loaded (${response.status}): ${detail}.`, true);
      return;
    }
    render(body);
  }

  function render(report) {
    shownReport = report;
    clearReport();
    for (const section of report.campaigns) knownCampaigns.add(section.campaignId);
    updateCampaignOptions();
    const { since, until } = report.range;
    if (report.campaigns.length === 0) {
      setState('empty', `No campaign data from ${since} to ${until}. Choose a wider range or another campaign.`);
      return;
    }
    const jobs = report.campaigns.flatMap((section) => campaignSection(section, report.range));
    // Canvases are sized from their containers, so the charts are made once the sections are in the page.
    for (const { canvas, config } of jobs) charts.push(new Chart(canvas, config));
    setState('ready', `From ${since} to ${until} (UTC days).`);
  }

  function updateCampaignOptions() {
    const select = $('campaign');
    const present = new Set([...select.options].map((option) => option.value));
    for (const id of [...knownCampaigns].sort()) {
      if (!present.has(id)) select.append(new Option(id, id));
    }
  }

  function chartBox(parent, config, label) {
    const box = element('div', 'chart');
    const canvas = element('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', label);
    box.append(canvas);
    parent.append(box);
    // Across, each category needs its own height: the box grows with them instead of squeezing the bars.
    if (config.options.indexAxis === 'y') box.style.height = `${120 + 72 * config.data.labels.length}px`;
    return { canvas, config };
  }

  function campaignSection(section, range) {
    const box = element('section', 'campaign');
    box.dataset.campaign = section.campaignId;
    box.append(element('h2', '', section.name ? `${section.name} (${section.campaignId})` : section.campaignId));
    $('report').append(box);
    const jobs = [];

    box.append(element('h3', '', 'Funnel per step'));
    const revenue = revenueText(section.funnel);
    if (revenue) box.append(element('p', 'note', revenue));
    jobs.push(chartBox(box, funnelChart(section.funnel, PHONE.matches), `Funnel of ${section.campaignId} per step`));

    box.append(element('h3', '', 'Experiments'));
    if (section.experiments.length === 0) box.append(element('p', 'note', 'No experiment in this range.'));
    const grid = element('div', 'experiments');
    box.append(grid);
    for (const experiment of section.experiments) jobs.push(experimentCard(grid, experiment));

    box.append(element('h3', '', 'Daily'));
    jobs.push(chartBox(box, dailyChart(section.daily, range), `Daily series of ${section.campaignId}`));
    return jobs;
  }

  function revenueText(funnel) {
    const totals = new Map();
    for (const line of funnel) {
      totals.set(line.currency, (totals.get(line.currency) ?? 0) + line.attributedRevenueMinor);
    }
    const parts = [...totals]
      .filter(([currency, minor]) => currency && minor > 0)
      .map(([currency, minor]) => money(minor, currency));
    return parts.length > 0 ? `Attributed revenue: ${parts.join(', ')}` : '';
  }

  function money(minor, currency) {
    try {
      const format = new Intl.NumberFormat('en', { style: 'currency', currency });
      return format.format(minor / 10 ** format.resolvedOptions().maximumFractionDigits);
    } catch {
      return `${count.format(minor)} ${currency} (minor units)`;
    }
  }

  /**
   * The options that lay a bar chart out for the screen. On a wide screen as Chart.js does (bars up,
   * `value` the y axis). On a phone the categories are rows (bars drawn across) with each label's
   * lines (`labelLines[index]`) upright beside them: in ~300 px Chart.js tilted the labels over each
   * other, cut the first at the left edge, and the legend left the bars ~150 px of height.
   */
  function acrossOnPhone({ phone, value, labelLines }) {
    if (!phone) return { scales: { y: value } };
    return {
      indexAxis: 'y',
      scales: {
        x: value,
        y: {
          ticks: { autoSkip: false, maxRotation: 0, callback: (_, index) => labelLines[index] },
          grid: { display: false },
        },
      },
      plugins: { legend: { labels: { boxWidth: 14, padding: 8 } } },
    };
  }

  /** The funnel per step: a bar group per funnel line, labelled "reminder · control"; across on a phone. */
  function funnelChart(funnel, phone) {
    const versions = new Set(funnel.map((line) => line.campaignVersion));
    const currencies = new Set(funnel.map((line) => line.currency));
    const parts = funnel.map((line) => ({
      step: versions.size > 1 ? `v${line.campaignVersion} ${line.step}` : line.step,
      variant: line.variant,
      currency: currencies.size > 1 ? `(${line.currency})` : '',
    }));
    // The wide axis and the tooltip's title: one line, "v3 reminder · control (EUR)".
    const labels = parts.map(({ step, variant, currency }) =>
      [step, variant && `· ${variant}`, currency].filter(Boolean).join(' '),
    );
    // The phone's axis: each part on lines of its own, so a long step name does not take the bars' width.
    const labelLines = parts.map(({ step, variant, currency }) =>
      [step, variant, currency].filter(Boolean).flatMap((part) => wrapped(part)),
    );
    const series = [
      ['Reached', 'reached', '#9aa5b1'],
      ['Sent', 'sent', COLORS[0]],
      // Not sent again after an attempt that died mid-send: may have reached the customer.
      ['Unconfirmed', 'unconfirmed', COLORS[5]],
      ['Delivered', 'delivered', COLORS[1]],
      ['Opened (people)', 'uniqueHumanOpens', COLORS[2]],
      ['Clicked (people)', 'uniqueHumanClicks', COLORS[3]],
      ['Attributed orders', 'attributedOrders', COLORS[4]],
    ];
    return {
      type: 'bar',
      data: {
        labels,
        datasets: series.map(([label, field, color]) => ({
          label,
          data: funnel.map((line) => line[field]),
          backgroundColor: color,
        })),
      },
      options: acrossOnPhone({ phone, value: { beginAtZero: true, ticks: { precision: 0 } }, labelLines }),
    };
  }

  /**
   * Breaks a label after its hyphens, underscores and spaces into lines of about `width` characters;
   * never inside parentheses, so "holdout (no email)" keeps "(no email)" on one line.
   */
  function wrapped(text, width = 14) {
    const lines = [];
    for (const piece of text.split(/(?<=[-_ ])(?![^(]*\))/)) {
      if (lines.length > 0 && (lines[lines.length - 1] + piece).length <= width) lines[lines.length - 1] += piece;
      else lines.push(piece);
    }
    return lines.map((line) => line.trimEnd());
  }

  const armName = (experiment, id) =>
    experiment.kind === 'holdout' ? (id === 'holdout' ? 'holdout (no email)' : 'emailed') : id;

  function experimentCard(grid, experiment) {
    const card = element('article', 'experiment');
    card.dataset.experiment = experiment.experiment;
    const title =
      experiment.kind === 'holdout' ? 'Holdout: emailed vs no email' : `Variants of step “${experiment.experiment}”`;
    card.append(element('h4', '', `${title} · v${experiment.campaignVersion} · ${experiment.currency}`));
    const verdict = element('p', `verdict ${experiment.verdict.kind}`, verdictText(experiment));
    card.append(verdict);
    if (experiment.srm && experiment.srm.mismatch) card.append(element('p', 'srm-warning', srmText(experiment)));
    if (!experiment.weightsKnown) {
      card.append(
        element(
          'p',
          'note',
          `Planned split unknown: no campaign file of v${experiment.campaignVersion} plans this experiment, so the sample ratio is not checked.`,
        ),
      );
    }
    if (experiment.unplannedArms.length > 0) {
      card.append(
        element('p', 'note', `Not judged (not in the campaign file): ${experiment.unplannedArms.join(', ')}`),
      );
    }
    grid.append(card);
    const job = chartBox(
      card,
      armsChart(experiment, PHONE.matches),
      `Arms of ${experiment.experiment} with 95 % intervals`,
    );
    for (const arm of experiment.arms)
      if (arm.vsControl) card.append(element('p', 'note', comparisonText(experiment, arm)));
    return job;
  }

  function metricWord(metric) {
    return metric === 'human_clicks' ? 'clicks' : metric === 'revenue' ? 'revenue per recipient' : 'orders';
  }

  function verdictText(experiment) {
    const { verdict } = experiment;
    const metric = metricWord(experiment.metric);
    const base = armName(experiment, experiment.arms[0]?.id ?? 'control');
    switch (verdict.kind) {
      case 'winner':
        return experiment.kind === 'holdout'
          ? `Verdict: the emails lift ${metric} over the holdout.`
          : `Verdict: “${verdict.arm}” wins on ${metric} against “${base}”.`;
      case 'loser':
        return experiment.kind === 'holdout'
          ? `Verdict: the emails do worse on ${metric} than sending nothing.`
          : `Verdict: “${verdict.arm}” loses on ${metric} against “${base}”.`;
      case 'no_difference_yet':
        return verdict.neededPerArm === null
          ? `Verdict: no difference on ${metric} yet.`
          : `Verdict: no difference on ${metric} yet; about ${count.format(verdict.neededPerArm)} more recipients per arm needed.`;
      case 'sample_ratio_mismatch':
        return 'Verdict: none. The arms are not the planned split, so they cannot be compared.';
      default:
        // Large arms with no variation (nobody, or everybody, converted) are short of outcomes, not of people.
        return experiment.arms.length >= 2 && experiment.arms.every((arm) => arm.entered >= 100)
          ? `Verdict: not enough data yet (no variation in ${metric} to compare).`
          : 'Verdict: not enough data yet (at least 100 recipients in each arm).';
    }
  }

  function srmText(experiment) {
    const observed = experiment.arms.map((arm) => `${armName(experiment, arm.id)} ${count.format(arm.entered)}`);
    const planned = experiment.arms.map((arm) => arm.weight).join(' : ');
    return (
      `Sample ratio mismatch: ${observed.join(', ')} entered, planned ${planned} ` +
      `(p = ${experiment.srm.pValue.toPrecision(2)}). Check variant assignment and tracking before reading any result.`
    );
  }

  function comparisonText(experiment, arm) {
    const vs = arm.vsControl;
    const name = armName(experiment, arm.id);
    const base = armName(experiment, experiment.arms[0].id);
    const ci = `95 %: ${points(vs.differenceInterval.low)} to ${points(vs.differenceInterval.high)}`;
    const always = vs.sequentialInterval
      ? `; always-valid: ${
          experiment.metric === 'revenue'
            ? `${vs.sequentialInterval.low.toFixed(0)} to ${vs.sequentialInterval.high.toFixed(0)} minor units`
            : `${points(vs.sequentialInterval.low)} to ${points(vs.sequentialInterval.high)}`
        }`
      : '';
    return `${name} vs ${base}: ${points(vs.difference)} (${ci}${always})`;
  }

  /** A bar per arm with its 95 % interval as whiskers, labelled "control (150)"; across on a phone. */
  function armsChart(experiment, phone) {
    const parts = experiment.arms.map((arm) => [armName(experiment, arm.id), `(${count.format(arm.entered)})`]);
    const layout = acrossOnPhone({
      phone,
      value: { beginAtZero: true, title: { display: true, text: '%' } },
      labelLines: parts.map((armParts) => armParts.flatMap((part) => wrapped(part))),
    });
    const rateWord = experiment.metric === 'human_clicks' ? 'Click rate' : 'Order rate';
    // The error-bar plugin reads the rate and its interval on the value axis: x when drawn across.
    const [value, low, high] = phone ? ['x', 'xMin', 'xMax'] : ['y', 'yMin', 'yMax'];
    return {
      type: 'barWithErrorBars',
      data: {
        labels: parts.map((armParts) => armParts.join(' ')),
        datasets: [
          {
            label: `${rateWord} % (95 % interval)`,
            // An arm nobody entered has no rate (null): no bar and no whisker, rather than 0 % with a
            // [0, 100] whisker. The error-bar plugin needs an object at every index, so null fields.
            data: experiment.arms.map((arm) =>
              arm.rate.rate === null
                ? { [value]: null, [low]: null, [high]: null }
                : { [value]: arm.rate.rate * 100, [low]: arm.rate.low * 100, [high]: arm.rate.high * 100 },
            ),
            backgroundColor: experiment.arms.map((_, index) => COLORS[index % COLORS.length]),
            errorBarColor: '#1f2933',
            errorBarWhiskerColor: '#1f2933',
            errorBarLineWidth: 2,
            errorBarWhiskerLineWidth: 2,
          },
        ],
      },
      options: {
        ...layout,
        plugins: {
          ...layout.plugins,
          tooltip: {
            callbacks: {
              label: (item) => {
                const arm = experiment.arms[item.dataIndex];
                if (arm.rate.rate === null) return 'nobody entered yet';
                return `${percent(arm.rate.rate)} (95 %: ${percent(arm.rate.low)} to ${percent(arm.rate.high)})`;
              },
            },
          },
        },
      },
    };
  }

  function dailyChart(daily, range) {
    const totals = new Map();
    for (const row of daily) {
      const day = totals.get(row.day) ?? { sent: 0, unconfirmed: 0, clicks: 0, orders: 0 };
      day.sent += row.sent;
      day.unconfirmed += row.unconfirmed;
      day.clicks += row.uniqueHumanClicks;
      day.orders += row.attributedOrders;
      totals.set(row.day, day);
    }
    const days = everyDay(range);
    const labels = days.length <= 400 ? days : [...totals.keys()].sort();
    // Unconfirmed is a line of its own, not stacked on Sent: Sent stays the confirmed sends the
    // funnel shows, and a handful of unconfirmed emails would vanish as a sliver on top of hundreds.
    // Dashed and in the funnel's Unconfirmed colour: whether these arrived is not known.
    const series = [
      ['Sent', 'sent', COLORS[0]],
      ['Unconfirmed', 'unconfirmed', COLORS[5], [6, 4]],
      ['Clicked (people)', 'clicks', COLORS[1]],
      ['Attributed orders', 'orders', COLORS[2]],
    ];
    return {
      type: 'line',
      data: {
        labels,
        datasets: series.map(([label, field, color, dash]) => ({
          label,
          data: labels.map((day) => totals.get(day)?.[field] ?? 0),
          borderColor: color,
          backgroundColor: color,
          borderDash: dash ?? [],
        })),
      },
      options: {
        // Hovering a day lists every series of that day, so sent and unconfirmed are read together.
        interaction: { mode: 'index', intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    };
  }

  function everyDay({ since, until }) {
    const days = [];
    for (let t = Date.parse(since); t <= Date.parse(until) && days.length <= 400; t += DAY_MS) {
      days.push(new Date(t).toISOString().slice(0, 10));
    }
    return days;
  }

  function start() {
    const today = new Date();
    $('until').value = today.toISOString().slice(0, 10);
    $('since').value = new Date(today.getTime() - 29 * DAY_MS).toISOString().slice(0, 10);
    $('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const value = $('token').value.trim();
      if (!value) return;
      sessionStorage.setItem(TOKEN_KEY, value);
      $('token').value = '';
      showControls();
      void load();
    });
    $('controls').addEventListener('submit', (event) => {
      event.preventDefault();
      void load();
    });
    $('forget-token').addEventListener('click', () => askForToken(''));
    PHONE.addEventListener('change', () => {
      if (shownReport && document.body.dataset.state === 'ready') render(shownReport);
    });
    if (sessionStorage.getItem(TOKEN_KEY)) {
      showControls();
      void load();
    } else {
      askForToken('');
    }
  }

  start();
})();
