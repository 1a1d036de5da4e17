import { describeEditor } from '../helpers/editor-locales';
import request from '../../nodes/maycur/schemas/paid-list.request.json';

describeEditor('maycur', { help: { 'maycur-paid-list': [...Object.keys(request.properties), 'payeeTargetBusinessCode', 'payerAccountName', 'payerAccountNumber'] } });
