import { describeEditor } from '../helpers/editor-locales';
import request from '../../nodes/qeasy/schemas/order-request.json';

const scheme = ['X-Timestamp', 'X-Signature', 'openssl', 'curl'];
describeEditor('qeasy', { help: { 'qeasy-callback': [...Object.keys(request.properties), 'number', ...scheme], 'qeasy-config': scheme } });
