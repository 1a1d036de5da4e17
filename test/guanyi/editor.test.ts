import { describeEditor } from '../helpers/editor-locales';
import request from '../../nodes/guanyi/schemas/return-get.request.json';

describeEditor('guanyi', { help: { 'guanyi-return-get': [...Object.keys(request.properties), 'tradeReturns', 'details', 'payments'] } });
