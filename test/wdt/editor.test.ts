import { describeEditor } from '../helpers/editor-locales';
import request from '../../nodes/wdt/schemas/trade-push.request.json';
import record from '../../nodes/wdt/schemas/trade-push.record.json';

describeEditor('wdt', { help: { 'wdt-trade-push': [...Object.keys(request.properties), ...Object.keys(record.properties), 'recordIndex', 'msg._error'] } });
