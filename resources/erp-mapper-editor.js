/**
 * Editor for erp-mapper (served at resources/@cn-erp/node-red-connectors/erp-mapper-editor.js).
 * The JSON textarea #node-input-mapping is the source of truth; the field table edits it and is re-rendered from it.
 */
(function () {
    'use strict';
    if (window.ErpMapperEditor) return;

    function isZh() {
        var lang = (RED.i18n && RED.i18n.lang && RED.i18n.lang()) || navigator.language || 'en-US';
        return /^zh/i.test(lang);
    }
    function t(zh, en) { return isZh() ? zh : en; }

    var RULES = ['', 'path', 'template', 'const', 'table', 'lookup', 'jsonata', 'array'];
    /** What each rule does, beside its name (the name is what the mapping's JSON and the help call it). */
    var RULE_NAMES_ZH = { path: '取字段', template: '模板', const: '常量', table: '对照表', lookup: '查找', jsonata: '表达式', array: '明细行' };
    var specCache = {};
    function loadSpec(type) {
        if (!specCache[type]) {
            specCache[type] = $.getJSON('cn-erp/specs/' + encodeURIComponent(type)).fail(function () { delete specCache[type]; });
        }
        return specCache[type];
    }

    function endpointTypes() {
        var out = [];
        var types = (RED.nodes.registry && RED.nodes.registry.getNodeTypes && RED.nodes.registry.getNodeTypes()) || [];
        types.forEach(function (type) {
            var def = RED.nodes.getType(type);
            if (def && def.category === 'ERP 集成' && type !== 'erp-mapper' && def.inputs > 0) out.push(type);
        });
        return out.sort();
    }

    /**
     * JSON.parse, except that a whole number beyond 2^53 (a Java long id) is kept as its decimal text, as the runtime
     * reads the mapping (nodes/core/json.ts): JSON.parse reads 1234567890123456789 as …800, another record, and the
     * dialog saved it so. Strings are passed over whole: digits inside them are left alone.
     */
    var JSON_TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
    function parseJson(text) {
        text = String(text);
        var out = '';
        var copied = 0;
        var m;
        JSON_TOKEN.lastIndex = 0;
        while ((m = JSON_TOKEN.exec(text))) {
            // JSON writes no 0123: text that is no JSON stays no JSON.
            if (!/^-?[1-9]\d*$/.test(m[0]) || Number.isSafeInteger(Number(m[0]))) continue;
            out += text.slice(copied, m.index) + '"' + m[0] + '"';
            copied = m.index + m[0].length;
        }
        return JSON.parse(copied ? out + text.slice(copied) : text);
    }

    function readMapping() {
        try {
            var m = parseJson($('#node-input-mapping').val() || '{}');
            if (!m || typeof m !== 'object') m = {};
            if (!m.fields || typeof m.fields !== 'object') m.fields = {};
            return m;
        } catch (e) {
            return null;
        }
    }
    function writeMapping(m) {
        $('#node-input-mapping').val(JSON.stringify(m, null, 2));
    }

    function ruleKind(rule) {
        if (!rule || typeof rule !== 'object') return '';
        // A value table carries the path it reads beside `table`: it is a table rule, not a path rule.
        if (Object.prototype.hasOwnProperty.call(rule, 'table')) return 'table';
        for (var i = 1; i < RULES.length; i++) if (Object.prototype.hasOwnProperty.call(rule, RULES[i])) return RULES[i];
        return '';
    }
    /** A value table or lookup still held as the text typed (not valid JSON): the runtime refuses it. */
    function badJson(rule, kind) {
        return (kind === 'table' || kind === 'lookup') && !!rule && typeof rule[kind] === 'string';
    }
    function jsonType(v) {
        return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
    }
    /** The JSON types a target field's schema accepts (integer counted as number); none when it says nothing. */
    function acceptedTypes(prop) {
        var ty = prop && prop.type;
        if (!ty && prop && Array.isArray(prop.enum)) ty = prop.enum.map(jsonType);
        return [].concat(ty || []).map(function (x) { return x === 'integer' ? 'number' : x; });
    }
    /**
     * A constant typed in the table, of the type the target field's schema asks for. A text-only field keeps exactly
     * what was typed: a code 1.10 read as JSON became 1.1 (another material in {"FNumber": 1.1}), a 19-digit account
     * lost its last digits, true/null were no text, and 1 for a text field failed every record with "must be string".
     * JSON is read where the schema takes its type (a number that would lose digits stays text); where it says
     * nothing, only JSON that reads back the same. "…" in quotes is text where the field also takes other types.
     */
    function constFromText(text, prop) {
        var types = acceptedTypes(prop);
        if (types.length === 1 && types[0] === 'string') return text;
        var v;
        try { v = parseJson(text); } catch (e) { return text; }
        var ty = jsonType(v);
        if (ty === 'string') return v;
        if (ty === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) return text;
        if (!types.length) return ty === 'object' || ty === 'array' || JSON.stringify(v) === text.trim() ? v : text;
        return types.indexOf(ty) >= 0 || types.indexOf('string') < 0 ? v : text;
    }
    /** A saved constant as the table shows it: what constFromText reads back to the same value. */
    function constText(v, prop) {
        return typeof v === 'string' && constFromText(v, prop) === v ? v : JSON.stringify(v);
    }
    function ruleText(rule, kind, prop) {
        if (!kind) return '';
        var v = rule[kind];
        if (kind === 'path' || kind === 'template' || kind === 'jsonata' || kind === 'array') return typeof v === 'string' ? v : '';
        if (badJson(rule, kind)) return v;
        if (kind === 'const') return constText(v, prop);
        return JSON.stringify(v);
    }
    function ruleFromText(kind, text, old, prop) {
        var rule = {};
        if (old) ['convert', 'default', 'required', 'fields', 'path'].forEach(function (k) { if (old[k] !== undefined) rule[k] = old[k]; });
        if (kind === 'const') {
            rule.const = constFromText(text, prop);
        } else if (kind === 'table' || kind === 'lookup') {
            // A table or lookup that is not JSON keeps the text typed, which the runtime refuses naming the field
            // (as {} a typo emptied the table: every value unknown, or silently the default).
            try { rule[kind] = parseJson(text); } catch (e) { rule[kind] = text; }
        } else {
            rule[kind] = text;
        }
        if (kind !== 'table' && kind !== 'path' && old && old.path !== undefined) delete rule.path;
        if (kind === 'array' && !rule.fields) rule.fields = {};
        if (kind === 'table' && rule.path === undefined) rule.path = '';
        return rule;
    }

    function typeOf(prop) {
        var ty = Array.isArray(prop.type) ? prop.type.join('|') : prop.type || '';
        if (prop['x-basedata']) ty += ' (' + prop['x-basedata'] + ')';
        return ty;
    }

    /** One table (nested for array fields): rows of key, label, type, required, rule select and value input. */
    function renderTable(container, schema, fields, onChange) {
        var props = (schema && schema.properties) || {};
        var required = (schema && schema.required) || [];
        var keys = Object.keys(props);
        Object.keys(fields).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); });
        var table = $('<table class="erp-mapper-table" style="width:100%; font-size:12px; border-collapse:collapse"></table>').appendTo(container);
        $('<tr>').append(
            $('<th>').text(t('字段', 'Field')), $('<th>').text(t('名称', 'Label')), $('<th>').text(t('类型', 'Type')),
            $('<th>').text(t('必填', 'Req.')), $('<th>').text(t('规则', 'Rule')), $('<th>').text(t('值', 'Value'))
        ).appendTo(table);
        keys.forEach(function (key) {
            var prop = props[key] || {};
            var rule = fields[key];
            var kind = ruleKind(rule);
            var tr = $('<tr class="erp-mapper-row" style="border-top:1px solid #eee">').attr('data-field', key).appendTo(table);
            $('<td>').append($('<code>').text(key)).appendTo(tr);
            // The ERP's own (Chinese) field name always shows: it is what users see in 金蝶/吉客云; English beside it.
            // At least four characters wide: Chinese breaks between any two characters, and the narrow tray would
            // otherwise squeeze the column to one character a line.
            // The tip: the Chinese description; in another language the English one (`x-description-en`) where there is one.
            var tip = isZh() ? prop.description : prop['x-description-en'] || prop.description;
            var labelCell = $('<td class="erp-mapper-label" style="min-width:4em">').attr('title', tip || '').appendTo(tr);
            $('<span>').text(prop.title || prop['x-title-en'] || '').appendTo(labelCell);
            if (!isZh() && prop.title && prop['x-title-en']) $('<span style="color:#888">').text(' ' + prop['x-title-en']).appendTo(labelCell);
            $('<td>').text(typeOf(prop)).appendTo(tr);
            // Required by the target schema (fixed), or by this mapping's rule (the record fails when it maps to empty).
            var reqCell = $('<td style="text-align:center">').appendTo(tr);
            var schemaRequired = required.indexOf(key) >= 0;
            var reqBox = $('<input type="checkbox" class="erp-mapper-required" style="width:auto;margin:0">').appendTo(reqCell)
                .prop('checked', schemaRequired || !!(rule && rule.required))
                .prop('disabled', schemaRequired || !kind)
                .attr('title', schemaRequired ? t('目标要求必填', 'required by the target') : t('映射结果为空时该记录失败', 'the record fails when this maps to nothing'));
            var select = $('<select style="width:90px">').appendTo($('<td>').appendTo(tr));
            RULES.forEach(function (r) { $('<option>').val(r).text(r ? r + (isZh() ? ' ' + RULE_NAMES_ZH[r] : '') : t('不映射', 'none')).appendTo(select); });
            select.val(kind);
            var valueCell = $('<td>').appendTo(tr);
            var input = $('<input type="text" class="erp-mapper-value" style="width:100%">').val(ruleText(rule || {}, kind, prop)).toggleClass('input-error', badJson(rule, kind))
                .appendTo(valueCell);
            // A value table translates the value at a source path: the path has a box of its own under the table.
            var pathInput = $('<input type="text" class="erp-mapper-table-path" style="width:100%; margin-top:2px">')
                .attr('placeholder', t('源字段路径，如 shopId', 'source path, e.g. shopId'))
                .val(kind === 'table' && rule && typeof rule.path === 'string' ? rule.path : '')
                .toggle(kind === 'table')
                .appendTo(valueCell);
            function update() {
                var k = select.val();
                if (!k) delete fields[key];
                else fields[key] = ruleFromText(k, input.val(), fields[key], prop);
                if (k === 'table') {
                    // Turned into a table from a path rule: the path it read is the one to translate.
                    if (kind !== 'table' && !pathInput.val() && typeof fields[key].path === 'string') pathInput.val(fields[key].path);
                    fields[key].path = pathInput.val().trim();
                }
                pathInput.toggle(k === 'table');
                input.toggleClass('input-error', badJson(fields[key], k));
                reqBox.prop('disabled', schemaRequired || !k);
                if (!k && !schemaRequired) reqBox.prop('checked', false);
                // Into or out of an array rule: its line table appears or goes.
                onChange((k === 'array') !== (kind === 'array'));
                kind = k;
            }
            select.on('change', update);
            input.on('change', update);
            pathInput.on('change', update);
            reqBox.on('change', function () {
                if (!fields[key]) return;
                if (reqBox.prop('checked')) fields[key].required = true; else delete fields[key].required;
                onChange(false);
            });
            if (kind === 'array' || (prop.type === 'array' && prop.items && prop.items.properties && kind === 'array')) {
                var sub = $('<td colspan="6" style="padding-left:20px">').appendTo($('<tr>').appendTo(table));
                renderTable(sub, prop.items || {}, rule.fields || (rule.fields = {}), onChange);
            }
        });
    }

    function renderFields(node) {
        var box = $('.erp-mapper-fields').empty();
        var mapping = readMapping();
        if (!mapping) {
            box.text(t('映射 JSON 无效', 'The mapping JSON is invalid'));
            return;
        }
        var target = $('#node-input-target').val();
        var draw = function (schema) {
            box.empty();
            renderTable(box, schema, mapping.fields, function (redraw) {
                if (target) mapping.target = target; else delete mapping.target;
                writeMapping(mapping);
                if (redraw) renderFields(node);
            });
        };
        if (!target) return draw({});
        loadSpec(target).done(function (spec) {
            draw(spec.recordSchema || spec.requestSchema || {});
        }).fail(function () { draw({}); });
    }

    /**
     * What the runtime said, in the editor's language: it sends why a field failed, and why a mapping does not
     * compile, also as a text of the catalog ({key, vars}), translated as the palette's kit translates every text
     * (CnErpEditor.translated); its `english` where the catalog has none.
     */
    function inEditorLanguage(node, text, english) {
        var kit = window.CnErpEditor;
        return (text && kit && kit.translated && kit.translated(node, text)) || english;
    }

    /** Why the runtime refused the preview (a mapping that does not compile: 400 {error, text}), in the editor's language. */
    function refusalText(node, xhr) {
        var answer = xhr.responseJSON || {};
        return inEditorLanguage(node, answer.text, answer.error) || xhr.statusText;
    }

    window.ErpMapperEditor = {
        // The table's text ↔ rule conversions and the preview's refusal, pure (unit-tested in test/mapper/).
        ruleText: ruleText,
        ruleFromText: ruleFromText,
        refusalText: refusalText,
        prepare: function (node) {
            var select = $('#node-input-target');
            $('<option>').val('').text(t('（无：不校验）', '(none: no schema)')).appendTo(select);
            endpointTypes().forEach(function (type) {
                var def = RED.nodes.getType(type);
                // paletteLabel may be a function of the definition (ours are: they read the locale), as in Node-RED's palette.
                var label = def && (typeof def.paletteLabel === 'function' ? def.paletteLabel.call(def) : def.paletteLabel);
                $('<option>').val(type).text((label ? label + ' · ' : '') + type).appendTo(select);
            });
            function showTarget(type) {
                if (type && !select.find('option').filter(function () { return this.value === type; }).length) $('<option>').val(type).text(type).appendTo(select);
                select.val(type || '');
            }
            // Left blank, the runtime takes the target of the mapping JSON: shown, so that saving keeps it (it was
            // deleted, and with it the schema check and the {"FNumber": …} wrapping).
            var saved = readMapping();
            showTarget(node.target || (saved && typeof saved.target === 'string' ? saved.target : ''));
            select.on('change', function () {
                var m = readMapping();
                if (m) {
                    if (select.val()) m.target = select.val(); else delete m.target;
                    writeMapping(m);
                }
                renderFields(node);
            });
            // A mapping pasted into the JSON box brings its target, as an imported one does.
            $('#node-input-mapping').on('change', function () {
                var m = readMapping();
                if (m && typeof m.target === 'string' && m.target) showTarget(m.target);
                renderFields(node);
            });
            renderFields(node);

            $('.erp-mapper-export').on('click', function () {
                var text = $('#node-input-mapping').val();
                var a = document.createElement('a');
                a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
                a.download = (node.name || 'mapping') + '.json';
                a.click();
            });
            $('.erp-mapper-import').on('click', function () {
                var file = $('<input type="file" accept=".json,application/json">');
                file.on('change', function () {
                    var f = file[0].files[0];
                    if (!f) return;
                    f.text().then(function (text) {
                        try {
                            var m = parseJson(text);
                            writeMapping(m);
                            if (typeof m.target === 'string') showTarget(m.target);
                            renderFields(node);
                        } catch (e) {
                            RED.notify(t('不是有效的 JSON：', 'Not valid JSON: ') + e.message, 'error');
                        }
                    });
                });
                file.trigger('click');
            });
            $('.erp-mapper-last-label').text(t('用最近收到的记录', 'use last received'));
            // The record this (deployed) mapper received last, kept by the runtime; then the same preview.
            $('.erp-mapper-last').on('click', function () {
                var out = $('.erp-mapper-result').show().text('…');
                $.getJSON('cn-erp/mapper/' + encodeURIComponent(node.id) + '/sample').done(function (res) {
                    $('#erp-mapper-sample').val(JSON.stringify(res.sample, null, 2));
                    preview();
                }).fail(function (xhr) {
                    var answer = xhr.responseJSON || {};
                    out.text(xhr.status === 404 ? t('该节点部署后还没有收到记录', 'This node has received no record since it was deployed')
                        : xhr.status === 413 && answer.maxChars ? t('最近收到的记录超过 ' + answer.maxChars + ' 个字符，不能用作示例', answer.error)
                        : answer.error || xhr.statusText);
                });
            });
            $('.erp-mapper-preview').on('click', function () { preview(); });
            function preview() {
                var out = $('.erp-mapper-result').show().text('…');
                var sample = $('#erp-mapper-sample').val() || '{}';
                try { JSON.parse(sample); } catch (e) { out.text(t('示例不是有效的 JSON：', 'Sample is not valid JSON: ') + e.message); return; }
                // Sent as the text typed: the runtime reads a whole number beyond 2^53 (a long id) exactly, where
                // JSON.parse here would round it. With the node's id: lookups read the deployed node's context.
                $.ajax({
                    url: 'cn-erp/mapper/preview', type: 'POST', contentType: 'application/json',
                    data: JSON.stringify({ id: node.id, mapping: $('#node-input-mapping').val(), target: select.val(), sample: sample })
                }).done(function (res) {
                    var lines = (res.results || []).map(function (r, i) {
                        return '#' + (i + 1) + (r.ok ? ' ✔\n' + JSON.stringify(r.record, null, 2)
                            : ' ✘\n' + r.errors.map(function (e) { return e.field + ' ← ' + e.source + ': ' + inEditorLanguage(node, e.text, e.reason); }).join('\n'));
                    });
                    var shown = (res.results || []).length;
                    // The runtime previews at most 200 records, and stops early when they take too long (a slow JSONata rule).
                    if (res.total > shown) lines.push(t('只预览了前 ' + shown + ' 条记录（共 ' + res.total + ' 条）', 'Previewed the first ' + shown + ' of ' + res.total + ' records'));
                    out.text(lines.join('\n\n'));
                }).fail(function (xhr) {
                    out.text(refusalText(node, xhr));
                });
            }
        },
        save: function (node) {
            var m = readMapping();
            if (m) {
                var target = $('#node-input-target').val();
                if (target) m.target = target; else delete m.target;
                writeMapping(m);
            }
        },
        resize: function () {}
    };
})();
