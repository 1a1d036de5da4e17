import { describeEditor } from '../helpers/editor-locales';
import request from '../../nodes/jackyun/schemas/trade-query.request.json';

describeEditor('jackyun', { help: { 'jackyun-trade-query': [...Object.keys(request.properties), 'TradeNo', 'goodsDetail', 'tradeOrderPayList'] } });
