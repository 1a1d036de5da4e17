import { describeEditor } from '../helpers/editor-locales';
import record from '../../nodes/wdt-wms/schemas/cancel.record.json';

describeEditor('wdt-wms', { help: { 'wdt-wms-cancel': [...Object.keys(record.properties), 'flag', 'code', 'message'] } });
