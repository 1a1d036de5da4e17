/**
 * Demo data of the Kingdee simulator: the forms the seed scenarios touch and their meta (primary key, number field,
 * entry key, number prefix). Numbers agree with the other simulators: Jackyun goods MAT001..MAT005, customer CUST001,
 * warehouse CK01 (seed 000); WDT WMS return orders TL2024010001..TL2024010010 in WH01 (seed 001); Maycur payments
 * naming CN_PAYAPPLY bills FKSQ000101..FKSQ000110 paid from accounts 6222000000000001/2 of orgs 100/101 (seed 004).
 */

export type Row = Record<string, unknown>;

export interface FormMeta {
    formId: string;
    label: string;
    /** Primary-key field (FID for bills, F<Name>Id for basic data). */
    pk: string;
    /** The number field: FBillNo for bills, FNumber for basic data. */
    numberField: string;
    /** Entry collection key (e.g. FEntity) for bills with lines. */
    entryKey?: string;
    /** Prefix of numbers the simulator assigns. */
    numberPrefix?: string;
}

export const FORM_META: FormMeta[] = [
    { formId: 'BD_Currency', label: '币别', pk: 'FCURRENCYID', numberField: 'FNumber' },
    { formId: 'BD_MATERIAL', label: '物料', pk: 'FMATERIALID', numberField: 'FNumber' },
    { formId: 'BD_Customer', label: '客户', pk: 'FCUSTID', numberField: 'FNumber' },
    { formId: 'BD_STOCK', label: '仓库', pk: 'FStockId', numberField: 'FNumber' },
    { formId: 'BD_Department', label: '部门', pk: 'FDEPTID', numberField: 'FNumber' },
    { formId: 'ORG_Organizations', label: '组织机构', pk: 'FORGID', numberField: 'FNumber' },
    { formId: 'CN_BANKACNT', label: '银行账号', pk: 'FBANKACNTID', numberField: 'FNumber' },
    { formId: 'BOS_BillType', label: '单据类型', pk: 'FBILLTYPEID', numberField: 'FNumber' },
    { formId: 'SAL_OutStock', label: '销售出库单', pk: 'FID', numberField: 'FBillNo', entryKey: 'FEntity', numberPrefix: 'XSCKD' },
    { formId: 'PUR_MRAPP', label: '退料申请单', pk: 'FID', numberField: 'FBillNo', entryKey: 'FEntity', numberPrefix: 'TLSQ' },
    { formId: 'CN_PAYAPPLY', label: '付款申请单', pk: 'FID', numberField: 'FBillNo', entryKey: 'FPAYAPPLYENTRY', numberPrefix: 'FKSQ' },
    { formId: 'AP_PAYBILL', label: '付款单', pk: 'FID', numberField: 'FBillNo', entryKey: 'FPAYBILLENTRY', numberPrefix: 'FKD' },
];

/** Which basic-data form a bill field refers to (checked on save: an unknown number fails the record). */
export const BASEDATA_FIELDS: Record<string, { formId: string; label: string }> = {
    FMaterialID: { formId: 'BD_MATERIAL', label: '物料编码' },
    FCustomerID: { formId: 'BD_Customer', label: '客户' },
    FStockID: { formId: 'BD_STOCK', label: '仓库' },
    FSaleOrgID: { formId: 'ORG_Organizations', label: '销售组织' },
    FStockOrgID: { formId: 'ORG_Organizations', label: '发货组织' },
    FOwnerIdHead: { formId: 'ORG_Organizations', label: '货主' },
    FSaleDeptID: { formId: 'BD_Department', label: '销售部门' },
    FDeliveryDeptID: { formId: 'BD_Department', label: '发货部门' },
    FBillTypeID: { formId: 'BOS_BillType', label: '单据类型' },
    FSettleCurrID: { formId: 'BD_Currency', label: '结算币别' },
};

/** Required fields on save, per form: header fields, entry fields (SAL_OutStock as seed 000 uses it). */
export const REQUIRED_FIELDS: Record<string, { header: Array<[string, string]>; entry: Array<[string, string]>; entryRequired: boolean }> = {
    SAL_OutStock: {
        header: [
            ['FBillTypeID', '单据类型'],
            ['FDate', '日期'],
            ['FSaleOrgID', '销售组织'],
            ['FCustomerID', '客户'],
        ],
        entry: [
            ['FMaterialID', '物料编码'],
            ['FRealQty', '实发数量'],
            ['FStockID', '仓库'],
        ],
        entryRequired: true,
    },
};

export const DEMO_MATERIALS = [
    { FMATERIALID: 100001, FNumber: 'MAT001', FName: '螺丝', FSpecification: 'M6', FBARCODE: '6900100001', 'FBaseUnitId.FNumber': 'Pcs' },
    { FMATERIALID: 100002, FNumber: 'MAT002', FName: '螺母', FSpecification: 'M6', FBARCODE: '6900200001', 'FBaseUnitId.FNumber': 'Pcs' },
    { FMATERIALID: 100003, FNumber: 'MAT003', FName: '行李包 花之春', FSpecification: '红色', FBARCODE: '6900300001', 'FBaseUnitId.FNumber': 'Pcs' },
    { FMATERIALID: 100004, FNumber: 'MAT004', FName: '保温杯 <500ml> & 杯套', FSpecification: '白色', FBARCODE: '6900400001', 'FBaseUnitId.FNumber': 'Pcs' },
    { FMATERIALID: 100005, FNumber: 'MAT005', FName: '数据线', FSpecification: '1米', FBARCODE: '6900500001', 'FBaseUnitId.FNumber': 'Pcs' },
];

const ts = (d: string) => `${d}T00:00:00`;

/** The demo store: form id → rows (header rows; bills carry their entry rows under the entry key). */
export function demoStore(returnRequests = 10): Record<string, Row[]> {
    const orgs = [
        { FORGID: 1, FNumber: '100', FName: '某某科技有限公司', FDocumentStatus: 'C' },
        { FORGID: 100002, FNumber: '101', FName: '某某科技（上海）有限公司', FDocumentStatus: 'C' },
    ];
    const store: Record<string, Row[]> = {
        BD_Currency: [
            { FCURRENCYID: 1, FNumber: 'PRE001', FCODE: 'CNY', FName: '人民币' },
            { FCURRENCYID: 7, FNumber: 'PRE007', FCODE: 'USD', FName: '美元' },
        ],
        BD_MATERIAL: DEMO_MATERIALS.map((m) => ({ ...m, FDocumentStatus: 'C', FForbidStatus: 'A', FModifyDate: ts('2024-01-02'), 'FUseOrgId.FNumber': '100' })),
        BD_Customer: [
            { FCUSTID: 200001, FNumber: 'CUST001', FName: '张三', FDocumentStatus: 'C', FForbidStatus: 'A' },
            { FCUSTID: 200002, FNumber: 'CUST002', FName: '杭州某某贸易有限公司', FDocumentStatus: 'C', FForbidStatus: 'A' },
        ],
        BD_STOCK: [
            { FStockId: 300001, FNumber: 'CK01', FName: '杭州仓', FDocumentStatus: 'C' },
            { FStockId: 300002, FNumber: 'WH01', FName: '退货仓', FDocumentStatus: 'C' },
        ],
        BD_Department: [
            { FDEPTID: 400001, FNumber: 'BM001', FName: '销售部' },
            { FDEPTID: 400002, FNumber: 'BM002', FName: '仓储部' },
        ],
        ORG_Organizations: orgs,
        CN_BANKACNT: [
            { FBANKACNTID: 500001, FNumber: '6222000000000001', FName: '某某科技有限公司 基本户', FUseOrgId: 1, 'FUseOrgId.FNumber': '100', FCreateOrgId: 1 },
            { FBANKACNTID: 500002, FNumber: '6222000000000002', FName: '某某科技（上海）有限公司 基本户', FUseOrgId: 100002, 'FUseOrgId.FNumber': '101', FCreateOrgId: 100002 },
        ],
        BOS_BillType: [
            { FBILLTYPEID: 'ad0779a4685a43a08f08d2e42d7bf3e9', FNumber: 'XSCKD01_SYS', FName: '标准销售出库单', FBillFormId: 'SAL_OutStock' },
            { FBILLTYPEID: 'a3b2c1d0e9f84a7b8c6d5e4f3a2b1c0d', FNumber: 'XSCKD02_SYS', FName: '寄售出库单', FBillFormId: 'SAL_OutStock' },
            { FBILLTYPEID: '0b1c2d3e4f5a4b6c8d7e9f0a1b2c3d4e', FNumber: 'FKDLX01_SYS', FName: '采购业务付款单', FBillFormId: 'AP_PAYBILL' },
        ],
        SAL_OutStock: [
            {
                FID: 100001,
                FBillNo: 'XSCKD000001',
                FDate: ts('2024-01-05'),
                FDocumentStatus: 'C',
                FBillTypeID: 'ad0779a4685a43a08f08d2e42d7bf3e9',
                'FBillTypeID.FNumber': 'XSCKD01_SYS',
                FSaleOrgID: 1,
                'FSaleOrgID.FNumber': '100',
                FStockOrgID: 1,
                'FStockOrgID.FNumber': '100',
                FCustomerID: 200001,
                'FCustomerID.FNumber': 'CUST001',
                FNote: 'JY202401050001',
                FEntity: [{ FEntryID: 200001, FMaterialID: 100001, 'FMaterialID.FNumber': 'MAT001', FRealQty: 2, FPrice: 0.5, FAmount: 1, FStockID: 300001, 'FStockID.FNumber': 'CK01', FSoorDerno: 'JY202401050001' }],
            },
        ],
        PUR_MRAPP: returnRequestBills(returnRequests),
        CN_PAYAPPLY: payApplyBills(),
        AP_PAYBILL: [],
    };
    return store;
}

/** Seed 001's 退料申请 (PUR_MRAPP) bills TL2024010001…: audited, in warehouse WH01, one or two lines each. */
export function returnRequestBills(count: number, firstId = 1001): Row[] {
    const out: Row[] = [];
    let entryId = 5001;
    for (let i = 0; i < count; i++) {
        const id = firstId + i;
        const no = count <= 99 ? `TL20240100${String(i + 1).padStart(2, '0')}` : `TL${String(2024010001 + i)}`;
        const day = 1 + (i % 28);
        const date = `2024-01-${String(day).padStart(2, '0')}`;
        const lines = i % 3 === 0 ? 2 : 1;
        const entries: Row[] = [];
        for (let l = 0; l < lines; l++) {
            const m = DEMO_MATERIALS[(i + l) % DEMO_MATERIALS.length];
            entries.push({
                FEntryID: entryId++,
                FRowType: 'Standard',
                FMaterialID: m.FMATERIALID,
                'FMaterialID.FNumber': m.FNumber,
                'FMaterialID.FBARCODE': m.FBARCODE,
                'FUnitID.FNumber': 'Pcs',
                FQty: 1 + ((i + l) % 5),
                Fee_ETY: 0,
                FStockID: 300002,
                'FStockID.FNumber': 'WH01',
                FStockStatusID: 10000,
                FDescription: '',
                FMTONO: '',
                FOwnerTypeID: 'BD_OwnerOrg',
                'FOwnerID.FNumber': '100',
                FKeeperTypeID: 'BD_KeeperOrg',
                'FKeeperID.FNumber': '100',
                FBomID: 0,
                FProduceDate: null,
                FEXPIRYDATE: null,
                'FLOT.FNumber': '',
                FSrcBillTypeId: 'PUR_PurchaseOrder',
                FSrcBillNo: `CGDD${String(i + 1).padStart(6, '0')}`,
            });
        }
        out.push({
            FID: id,
            FBillNo: no,
            FDocumentStatus: i === count - 1 && count <= 99 ? 'B' : 'C',
            FStockOrgId: 1,
            'FStockOrgId.FNumber': '100',
            FDate: ts(date),
            FBillTypeID: 'TLSQDD01_SYS',
            FOwnerTypeIdHead: 'BD_OwnerOrg',
            'FOwnerIdHead.FNumber': '100',
            FAffairType: 'Return',
            FEE: 0,
            'FDeptID.FNumber': 'BM002',
            FNote: `退料申请 ${no}`,
            FCreateDate: `${date}T09:00:00`,
            FModifyDate: `${date}T10:${String(i % 60).padStart(2, '0')}:00`,
            FAPPROVEDATE: `${date}T11:00:00`,
            FCANCELDATE: null,
            FCANCELSTATUS: 'A',
            FSubProOwnTypeIdH: 'BD_OwnerOrg',
            'FSubProOwnerIdH.FNumber': '100',
            FEntity: entries,
        });
    }
    return out;
}

/** Seed 004's 付款申请单 bills: FKSQ000101..FKSQ000110 audited (paid by Maycur in the demo), FKSQ000201 not audited. */
export function payApplyBills(): Row[] {
    const out: Row[] = [];
    const numbers = [...Array.from({ length: 10 }, (_, i) => `FKSQ${String(101 + i).padStart(6, '0')}`), 'FKSQ000201'];
    numbers.forEach((no, i) => {
        const org = i % 2 === 0 ? { id: 1, no: '100' } : { id: 100002, no: '101' };
        const amount = Math.round((1000 + i * 137.5) * 100) / 100;
        out.push({
            FID: 7001 + i,
            FBillNo: no,
            FDate: ts(`2024-01-${String(2 + (i % 9)).padStart(2, '0')}`),
            FDocumentStatus: no === 'FKSQ000201' ? 'A' : 'C',
            FPAYORGID: org.id,
            'FPAYORGID.FNumber': org.no,
            FSETTLEORGID: org.id,
            'FSETTLEORGID.FNumber': org.no,
            FCONTACTUNITTYPE: 'BD_Empinfo',
            FAPPLYAMOUNTFOR_H: amount,
            FPAYAPPLYENTRY: [{ FEntryID: 8001 + i, FAPPLYAMOUNTFOR: amount, 'FSETTLETYPEID.FNumber': 'JSFS04_SYS', FEXPECTPAYDATE: ts('2024-01-10') }],
        });
    });
    return out;
}

/** Conversion rules the simulator knows (seed 004's rule id), source form → target form. */
export const CONVERT_RULES: Record<string, { source: string; target: string; name: string }> = {
    '994f9913-a23f-46fb-b5d9-f1f271b4ef6c': { source: 'CN_PAYAPPLY', target: 'AP_PAYBILL', name: '付款申请单-付款单' },
};

/** The default rule per source → target pair (IsEnableDefaultRule). */
export const DEFAULT_RULES: Array<{ source: string; target: string }> = [{ source: 'CN_PAYAPPLY', target: 'AP_PAYBILL' }];
