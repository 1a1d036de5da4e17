import { describeEditor } from '../helpers/editor-locales';
import record from '../../nodes/jingcheng/schemas/return-sheet.record.json';

describeEditor('jingcheng', { help: { 'jingcheng-recv': [...Object.keys(record.properties), 'recordIndex', 'msg._error'] } });
