/**
 * Editor-side kit shared by every node of the palette (served by Node-RED at
 * resources/@cn-erp/node-red-connectors/cn-erp-editor.js).
 *
 *  CnErpEditor.prepareEndpoint(node) / saveEndpoint(node): renders one TypedInput row per parameter of the node's
 *    request schema (fetched from the runtime: GET cn-erp/specs/<type>), labelled in the editor's language, plus the
 *    kit's own rows (output mode, record cap, incremental sync, timeout), into `.cn-erp-endpoint`.
 *  CnErpEditor.prepareConfig(node[, options]): renders the shared limit/retry rows and the "test connection" button
 *    into `.cn-erp-config-common` of a config node's dialog (options: the block's own heading and placeholders).
 */
(function () {
    'use strict';
    if (window.CnErpEditor) return;

    function isZh() {
        var lang = (RED.i18n && RED.i18n.lang && RED.i18n.lang()) || navigator.language || 'en-US';
        return /^zh/i.test(lang);
    }
    function t(zh, en) {
        return isZh() ? zh : en;
    }
    function esc(text) {
        return $('<div>').text(text == null ? '' : String(text)).html();
    }

    var specs = {};
    function loadSpec(type) {
        if (!specs[type]) {
            specs[type] = $.getJSON('cn-erp/specs/' + encodeURIComponent(type)).fail(function () {
                delete specs[type];
            });
        }
        return specs[type];
    }

    function labelOf(name, prop) {
        var zh = prop.title;
        var en = prop['x-title-en'];
        return (isZh() ? zh || en : en || zh) || name;
    }

    /**
     * A parameter row's tip: the Chinese description in a Chinese editor; in another, the English title, where there is
     * one, followed by the English description (`x-description-en`), where there is one.
     */
    function tipOf(name, prop) {
        var text = isZh() ? prop.description : prop['x-title-en'] ? prop['x-title-en'] + (prop['x-description-en'] ? ': ' + prop['x-description-en'] : '') : prop.description;
        return name + (text ? ' — ' + text : '');
    }

    /**
     * The label of an enum option in the editor's language: the schema's `x-enum-titles` (Chinese) or `x-enum-titles-en`
     * (English), each a list in the order of `enum`; the value itself where the list has none.
     */
    function enumLabel(prop, i) {
        var zh = prop['x-enum-titles'] && prop['x-enum-titles'][i];
        var en = prop['x-enum-titles-en'] && prop['x-enum-titles-en'][i];
        return String((isZh() ? zh : en) || prop.enum[i]);
    }

    var DYNAMIC = ['msg', 'flow', 'global', 'env', 'jsonata'];

    function typesFor(prop) {
        if (Array.isArray(prop.enum)) {
            var options = prop.enum.map(function (v, i) {
                return { value: String(v), label: enumLabel(prop, i) };
            });
            return [{ value: 'str', label: t('选项', 'option'), icon: 'fa fa-list', options: options }].concat(DYNAMIC);
        }
        var type = Array.isArray(prop.type) ? prop.type[0] : prop.type;
        // A number that may also be text (Maycur's paid times: ms or 2024-01-09 10:00:00): a num-only input would turn
        // the text into NaN.
        if (type === 'integer' || type === 'number') return (Array.isArray(prop.type) && prop.type.indexOf('string') >= 0 ? ['num', 'str'] : ['num']).concat(DYNAMIC);
        if (type === 'boolean') return ['bool'].concat(DYNAMIC);
        if (type === 'array' || type === 'object') return ['json', 'str'].concat(DYNAMIC);
        return ['str', 'num', 'json'].concat(DYNAMIC);
    }

    /**
     * A blank parameter is not set (the node reads it from msg.params), but Node-RED's JSON type marks an empty box red
     * as invalid JSON: this input's JSON check lets blank through. (The widget's own type table, shared by every input,
     * is not changed: this input gets a copy of its JSON entry.)
     */
    function blankJsonIsUnset($input) {
        var widget = $input.data('noderedTypedInput');
        var json = widget && widget.typeMap && widget.typeMap.json;
        if (!json || !json.validate) return;
        var check = json.validate;
        widget.typeMap.json = $.extend({}, json, {
            validate: function (v, o) {
                if (v === '' || v == null) return true;
                return typeof check === 'function' ? check(v, o) : check.test(v);
            },
        });
    }

    function defaultType(prop) {
        var type = Array.isArray(prop.type) ? prop.type[0] : prop.type;
        if (Array.isArray(prop.enum)) return 'str';
        if (type === 'integer' || type === 'number') return 'num';
        if (type === 'boolean') return 'bool';
        if (type === 'array' || type === 'object') return 'json';
        return 'str';
    }

    function row(label, inputHtml, tip) {
        var $row = $('<div class="form-row"></div>');
        $('<label></label>').text(label).attr('title', tip || '').css({ width: '130px', overflow: 'hidden', 'text-overflow': 'ellipsis', 'white-space': 'nowrap' }).appendTo($row);
        $row.append(inputHtml);
        return $row;
    }

    function prepareEndpoint(node) {
        var $box = $('.cn-erp-endpoint').first().empty();
        var $params = $('<div class="cn-erp-params"></div>').appendTo($box);
        $('<div class="form-tips"></div>')
            .text(t('留空的参数从 msg.params.<名称> 读取（查询节点也读 msg.payload.<名称>）。', 'Blank parameters are read from msg.params.<name> (query nodes also read msg.payload.<name>).'))
            .appendTo($box);
        node._cnErpParamNames = [];
        loadSpec(node.type).done(function (spec) {
            var props = (spec.requestSchema && spec.requestSchema.properties) || {};
            var required = (spec.requestSchema && spec.requestSchema.required) || [];
            var saved = node.params || {};
            Object.keys(props).forEach(function (name) {
                var prop = props[name];
                var id = 'cn-erp-param-' + name.replace(/[^A-Za-z0-9_-]/g, '_');
                var $input = $('<input type="text">').attr('id', id).css('width', '65%');
                var label = labelOf(name, prop) + (required.indexOf(name) >= 0 ? ' *' : '');
                $params.append(row(label, $input, tipOf(name, prop)));
                var value = saved[name] || { value: '', type: defaultType(prop) };
                $input.typedInput({ default: defaultType(prop), types: typesFor(prop) });
                blankJsonIsUnset($input);
                $input.typedInput('type', value.type || defaultType(prop));
                $input.typedInput('value', value.value == null ? '' : value.value);
                node._cnErpParamNames.push({ name: name, id: id });
            });
        }).fail(function () {
            $params.text(t('无法从 Node-RED 读取参数定义（节点未安装？）', 'Could not load the parameter list from Node-RED (is the palette installed?)'));
        });

        if (node._def.defaults.outputMode) {
            var $mode = $('<select id="node-input-outputMode" style="width:65%"></select>')
                .append($('<option value="all"></option>').text(t('一条消息包含全部记录', 'one msg with all records')))
                .append($('<option value="page"></option>').text(t('每页一条消息', 'one msg per page')))
                .append($('<option value="record"></option>').text(t('每条记录一条消息', 'one msg per record')));
            $box.append(row(t('输出方式', 'Output'), $mode));
            // Unset (saved before the setting, or written by hand): the runtime's, and a new node's, one msg per page.
            $mode.val(node.outputMode || 'page');
            $box.append(row(t('最多记录数', 'Max records'), $('<input type="text" id="node-input-maxRecords" style="width:65%">').attr('placeholder', t('不限', 'no limit')).val(node.maxRecords || '')));
        }
        if (node._def.defaults.incremental) {
            var $inc = $('<input type="checkbox" id="node-input-incremental" style="width:auto;margin:0">').prop('checked', !!node.incremental);
            $box.append(row(t('增量同步', 'Incremental'), $('<span></span>').append($inc).append($('<span style="margin-left:6px"></span>').text(t('从上次的水位继续读取', 'continue from the last watermark')))));
            var $store = $('<select id="node-input-watermarkStore" style="width:65%"></select>').append($('<option value=""></option>').text(t('默认存储', 'default store')));
            storeOptions($store, node.watermarkStore);
            var $commit = $('<select id="node-input-watermarkCommit" style="width:65%"></select>')
                .append($('<option value="read"></option>').text(t('读取完成后', 'when the read ends')))
                .append($('<option value="ack"></option>').text(t('下游写入节点全部确认后（防崩溃丢单）', 'when the write nodes downstream confirmed every msg (crash-safe)')));
            $commit.val(node.watermarkCommit || 'read');
            // Acknowledgements that never come (a Switch dropped the msg, the flow changed) would hold the next run back for ever.
            var $ackTimeout = $('<input type="text" id="node-input-ackTimeout" style="width:65%">')
                .attr('placeholder', t('0 = 一直等待', '0 = wait for ever'))
                .val(node.ackTimeout == null ? 30 : node.ackTimeout);
            var $ackRow = node._def.defaults.ackTimeout
                ? row(t('确认超时（分钟）', 'Ack timeout (min)'), $ackTimeout, t('超时未确认则放弃本次运行：水位不提交，下次重新读取这些记录', 'after this the run is abandoned: the watermark is not committed and the next run reads those records again'))
                : $();
            var $incRows = $('<div></div>')
                .append(row(t('水位存储', 'Watermark store'), $store))
                .append(node._def.defaults.watermarkCommit ? row(t('水位提交', 'Commit watermark'), $commit) : $())
                .append($ackRow)
                .append(row(t('重叠分钟数', 'Overlap (min)'), $('<input type="text" id="node-input-overlapMinutes" style="width:65%">').val(node.overlapMinutes == null ? 10 : node.overlapMinutes)))
                .append($('<div class="form-tips"></div>').text(t('增量查询同一时间只运行一次读取：运行中（或等待确认时）再次触发会排队，等上一次结束后从新水位读取；与最后一个排队的触发要求相同读取的（如 inject 再次触发）合并到它，要求不同读取的单独排队。', 'An incremental query runs one read at a time: a trigger during a run (or while it waits for acknowledgements) waits and then reads from the new watermark; a further trigger asking for the same read as the last waiting one (an inject firing again) is merged into it, one asking for another read waits for a run of its own.')));
            $box.append($incRows);
            var toggle = function () {
                $incRows.toggle($inc.is(':checked'));
                $ackRow.toggle($commit.val() === 'ack');
            };
            $inc.on('change', toggle);
            $commit.on('change', toggle);
            toggle();
        }
        if (node._def.defaults.timeout) {
            $box.append(row(t('超时（秒）', 'Timeout (s)'), $('<input type="text" id="node-input-timeout" style="width:65%">').attr('placeholder', t('使用配置节点的设置', "the config node's setting")).val(node.timeout || '')));
        }
    }

    /**
     * Fills a context-store select (after its "default store" option) with the stores settings.js defines and selects
     * `value`. A value settings.js does not define is kept as an option marked so: a select without it shows nothing
     * selected and hides which store the node names (the runtime warns at deploy that it is not defined).
     */
    function storeOptions($select, value) {
        var stores = (RED.settings.context && RED.settings.context.stores) || [];
        stores.forEach(function (s) {
            $select.append($('<option></option>').attr('value', s).text(s));
        });
        if (value && stores.indexOf(value) < 0) $select.append($('<option></option>').attr('value', value).text(value + t('（settings.js 中未定义）', ' (not defined in settings.js)')));
        $select.val(value || '');
    }

    /**
     * Selects a saved `value` its select does not list, added as an option: a `${NAME}` a subflow sets, or a value the
     * runtime takes beyond the usual ones (a Kingdee language id such as 1041). Node-RED selects nothing for it: the
     * dialog showed it blank, marked it invalid and tested the connection without it.
     */
    function keepOption($select, value) {
        if (!$select.length || value === undefined || value === null || value === '') return;
        var text = String(value);
        if (!$select.find('option').filter(function () { return this.value === text; }).length) $select.append($('<option></option>').attr('value', text).text(text));
        $select.val(text);
    }

    function saveEndpoint(node) {
        var params = {};
        (node._cnErpParamNames || []).forEach(function (p) {
            var $input = $('#' + p.id);
            params[p.name] = { value: $input.typedInput('value'), type: $input.typedInput('type') };
        });
        // Keep parameters the list could not be loaded for rather than wiping them.
        if ((node._cnErpParamNames || []).length > 0 || !node.params) node.params = params;
        delete node._cnErpParamNames;
    }

    // The dialogs' number fields, checked as the runtime reads them (blank takes the default). Each dialog calls these
    // from its `defaults`, so the nodes cannot drift apart.
    function blankOr(pattern) {
        return function (v) {
            return v === '' || v === undefined || envVar(v) || pattern.test(String(v).trim());
        };
    }
    /**
     * A value that is wholly `${NAME}` (or the older `$(NAME)`): Node-RED puts that environment variable in its place
     * when it starts the node (a subflow instance's property, a flow's, the process's), so one subflow serves two shops.
     * Node-RED's own number validator takes it; the runtime checks the value it becomes. Not `${A}${B}`: Node-RED would
     * look up one variable named `A}${B` and leave the text as typed.
     */
    function envVar(v) {
        return typeof v === 'string' && /^(\$\{[^\s}]+\}|\$\([^\s)]+\))$/.test(v);
    }
    var validators = {
        envVar: envVar,
        /** A required text field: not spaces alone (Node-RED's own check takes ' ' as filled; the runtime reads it as blank). */
        filled: function (v) {
            return String(v == null ? '' : v).trim() !== '';
        },
        /** Max records, concurrency, max retries: a whole number, 0 or more. */
        count: blankOr(/^\d+$/),
        /** Requests per second: a number, 0 or more (0 = unlimited; the limiter read a negative one so too). */
        rate: blankOr(/^\d+(\.\d+)?$/),
        /** A retry's first wait, in milliseconds: above 0 (0 retried a rate-limited call at once, with no backoff). */
        delayMs: function (v) {
            return v === '' || v === undefined || envVar(v) || (/^\d+(\.\d+)?$/.test(String(v).trim()) && Number(v) > 0);
        },
        /** Overlap and ack timeout, in minutes: a number, 0 or more. */
        minutes: blankOr(/^\d+(\.\d+)?$/),
        /** A request timeout, in seconds: above 0 (axios reads 0 as "never time out" and fails on a negative one). */
        seconds: function (v) {
            return v === '' || v === undefined || envVar(v) || Number(v) > 0;
        },
    };

    /**
     * The `defaults` of an endpoint node: its config node of `configType`, the vendor parameters and the request
     * timeout; for a `query` node also its output mode, max records and incremental sync settings. One list, so the
     * nodes' dialogs cannot drift apart.
     */
    function endpointDefaults(configType, kind) {
        var defaults = {
            name: { value: '' },
            config: { value: '', type: configType, required: true },
            params: { value: {} },
        };
        if (kind === 'query') {
            defaults.outputMode = { value: 'page' };
            defaults.maxRecords = { value: '', validate: function (v) { return validators.count(v); } };
            defaults.incremental = { value: false };
            defaults.watermarkStore = { value: '' };
            defaults.overlapMinutes = { value: 10, validate: function (v) { return validators.minutes(v); } };
            defaults.watermarkCommit = { value: 'read' };
            defaults.ackTimeout = { value: 30, validate: function (v) { return validators.minutes(v); } };
        }
        defaults.timeout = { value: '', validate: function (v) { return validators.seconds(v); } };
        return defaults;
    }

    var COMMON = [
        { name: 'rps', zh: '每秒请求数', en: 'Requests/s', tip: { zh: '整个账号共用（0 = 不限）', en: 'shared by the whole account (0 = unlimited)' } },
        { name: 'concurrency', zh: '并发数', en: 'Concurrency', tip: { zh: '同时进行的请求数（0 = 不限）', en: 'requests in flight at once (0 = unlimited)' } },
        { name: 'timeout', zh: '超时（秒）', en: 'Timeout (s)' },
        {
            name: 'maxRetries',
            zh: '最多重试次数',
            en: 'Max retries',
            tip: {
                zh: '查询：网络错误、超时、5xx、限流都重试；写入：只重试确定未执行的失败（限流、连接被拒、503 等），超时不重试',
                en: 'reads: network errors, timeouts, 5xx and rate limits are retried; writes: only failures the server surely did not act on (rate limit, connection refused, 503 …), never a timeout',
            },
        },
        { name: 'retryBaseMs', zh: '重试间隔（毫秒）', en: 'Retry base (ms)', tip: { zh: '首次重试前的等待，之后每次加倍（须大于 0）', en: 'the wait before the first retry, doubled each time (above 0)' } },
    ];

    /**
     * What the connection test found, in the editor's language: the runtime sends its text also as a key of the config
     * node's catalog; the English message where it has none (an error's own text, a vendor's answer).
     */
    function testText(node, res) {
        return (res.text && translated(node, res.text)) || res.message || '';
    }

    /**
     * A catalog text ({key, vars}) in the editor's language, a value that is itself such a text (a refusal's reason
     * within "not tried again …") put in translated; '' when the catalog has no text for one of them.
     */
    function translated(node, text) {
        if (!text.key || typeof node._ !== 'function') return '';
        var vars = {};
        var given = text.vars || {};
        for (var name in given) {
            if (!Object.prototype.hasOwnProperty.call(given, name)) continue;
            var v = given[name];
            if (v && typeof v === 'object' && v.key) {
                vars[name] = translated(node, v);
                if (vars[name] === '') return '';
            } else vars[name] = v;
        }
        var out = node._(text.key, vars);
        return out && out !== text.key ? out : '';
    }

    /**
     * `options` (optional) lets a dialog name its own block: `heading` {zh, en} in place of "Limits and retries", and
     * `tips` {<field>: {zh, en}} in place of the shared placeholders (qeasy-config: an inbound limit, no retries).
     */
    function prepareConfig(node, options) {
        options = options || {};
        var $box = $('.cn-erp-config-common').first().empty();
        var defaults = node._def.defaults || {};
        Object.keys(defaults).forEach(function (key) {
            keepOption($('select#node-config-input-' + key), node[key]);
        });
        var heading = options.heading || { zh: '限流与重试', en: 'Limits and retries' };
        $('<div class="form-row" style="margin-top:12px"><b></b></div>').find('b').text(t(heading.zh, heading.en)).end().appendTo($box);
        COMMON.forEach(function (f) {
            if (!defaults[f.name]) return;
            var $input = $('<input type="text" style="width:65%">').attr('id', 'node-config-input-' + f.name).val(node[f.name] == null ? '' : node[f.name]);
            var tip = (options.tips && options.tips[f.name]) || f.tip;
            // The placeholder may be cut by the box; the title shows it whole.
            if (tip) $input.attr('placeholder', t(tip.zh, tip.en)).attr('title', t(tip.zh, tip.en));
            $box.append(row(t(f.zh, f.en), $input));
        });
        if (defaults.allowSelfSigned) {
            var $cb = $('<input type="checkbox" id="node-config-input-allowSelfSigned" style="width:auto;margin:0">').prop('checked', !!node.allowSelfSigned);
            $box.append(row(t('自签名证书', 'Self-signed TLS'), $('<span></span>').append($cb).append($('<span style="margin-left:6px"></span>').text(t('接受本地部署服务器的自签名证书', 'accept an on-premise server\'s self-signed certificate')))));
        }
        var $result = $('<span class="cn-erp-test-result" style="margin-left:10px"></span>');
        var $button = $('<button type="button" class="red-ui-button cn-erp-test-button"></button>').text(t('测试连接', 'Test connection'));
        $box.append($('<div class="form-row"></div>').append($('<label></label>')).append($button).append($result));
        $button.on('click', function () {
            var body = { id: node.id, config: {}, credentials: {} };
            Object.keys(defaults).forEach(function (key) {
                var $el = $('#node-config-input-' + key);
                if ($el.length) body.config[key] = $el.is(':checkbox') ? $el.is(':checked') : $el.val();
            });
            Object.keys(node._def.credentials || {}).forEach(function (key) {
                var $el = $('#node-config-input-' + key);
                if ($el.length && $el.val() !== '__PWRD__') body.credentials[key] = $el.val();
            });
            $result.css('color', '').text(t('连接中…', 'connecting…'));
            $button.prop('disabled', true);
            $.ajax({ url: 'cn-erp/' + node.type + '/test', type: 'POST', contentType: 'application/json', data: JSON.stringify(body) })
                .done(function (res) {
                    $result.css('color', res.ok ? 'green' : '#c00').text((res.ok ? '✔ ' : '✘ ') + (res.code && !res.ok ? res.code + ': ' : '') + testText(node, res));
                })
                .fail(function (xhr) {
                    $result.css('color', '#c00').text('✘ HTTP ' + xhr.status);
                })
                .always(function () {
                    $button.prop('disabled', false);
                });
        });
    }

    window.CnErpEditor = {
        prepareEndpoint: prepareEndpoint,
        saveEndpoint: saveEndpoint,
        storeOptions: storeOptions,
        prepareConfig: prepareConfig,
        loadSpec: loadSpec,
        labelOf: labelOf,
        typesFor: typesFor,
        isZh: isZh,
        esc: esc,
        translated: translated,
        validators: validators,
        endpointDefaults: endpointDefaults,
    };
})();
